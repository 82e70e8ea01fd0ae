# Contract tests: `terraform test` from infra/services/usage-event-service (Terraform >= 1.7, after
# `terraform init -backend=false`). The AWS provider is mocked, so no account or credentials are used.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  mock_data "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/shared-entitlements" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }

  mock_resource "aws_appautoscaling_policy" {
    defaults = { arn = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:mock" }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/mock" }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/mock:1" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/mock" }
  }

  mock_resource "aws_db_instance" {
    defaults = {
      address = "ledger-dev-usage-event-db.abc.us-east-1.rds.amazonaws.com"
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf"
        kms_key_id    = "arn:aws:kms:us-east-1:123456789012:key/mock"
        secret_status = "active"
      }]
    }
  }
}

override_resource {
  target = module.usage_event_queue.aws_sqs_queue.main
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:ledger-dev-usage-event-queue"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/ledger-dev-usage-event-queue"
  }
}

override_resource {
  target = module.usage_event_queue.aws_sqs_queue.dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:ledger-dev-usage-event-dlq"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/ledger-dev-usage-event-dlq"
  }
}

variables {
  project_name          = "ledger"
  environment           = "dev"
  vpc_id                = "vpc-0123456789abcdef0"
  private_subnet_ids    = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  image                 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/entitlement-ledger:1.0.0"
  api_tokens_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-api-tokens-AbCdEf"
}

# ---- root module -------------------------------------------------------------------------------

run "creates_queues_table_database_and_worker_by_default" {
  command = apply

  assert {
    condition     = output.usage_event_queue_name == "ledger-dev-usage-event-queue" && output.usage_event_dlq_name == "ledger-dev-usage-event-dlq"
    error_message = "Queue names must follow {project_name}-{environment}-usage-event-queue / -dlq."
  }

  assert {
    condition     = output.usage_event_queue_visibility_timeout_seconds == 180
    error_message = "Visibility timeout must be 6 x worker_processing_timeout_seconds (30 s)."
  }

  assert {
    condition     = output.entitlements_table_created && output.entitlements_table_name == "ledger-dev-entitlements"
    error_message = "Without existing_entitlements_table_name the table ledger-dev-entitlements is created."
  }

  assert {
    condition     = output.database_instance_identifier == "ledger-dev-usage-event-db"
    error_message = "Without existing_database_url an RDS instance is created."
  }

  assert {
    condition = toset(keys(local.worker_environment)) == toset([
      "AWS_REGION", "LEDGER_DYNAMODB_TABLE", "LEDGER_ENVIRONMENT", "LEDGER_PROJECT_NAME",
      "LEDGER_SQS_DEAD_LETTER_QUEUE", "SPRING_DATASOURCE_URL", "SPRING_PROFILES_ACTIVE", "USAGE_EVENT_QUEUE_URL",
    ])
    error_message = "The container's plain environment must be exactly the documented variables."
  }

  assert {
    condition = (
      local.worker_environment.SPRING_PROFILES_ACTIVE == "aws" &&
      local.worker_environment.USAGE_EVENT_QUEUE_URL == output.usage_event_queue_url &&
      local.worker_environment.LEDGER_SQS_DEAD_LETTER_QUEUE == output.usage_event_dlq_url &&
      local.worker_environment.LEDGER_DYNAMODB_TABLE == "ledger-dev-entitlements" &&
      local.worker_environment.SPRING_DATASOURCE_URL == "jdbc:postgresql://ledger-dev-usage-event-db.abc.us-east-1.rds.amazonaws.com:5432/ledger" &&
      local.worker_environment.AWS_REGION == "us-east-1"
    )
    error_message = "The container's environment must point at this stack's queues, table and database."
  }

  assert {
    condition = local.worker_secrets == {
      SPRING_DATASOURCE_USERNAME  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf:username::"
      SPRING_DATASOURCE_PASSWORD  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf:password::"
      LEDGER_SECURITY_TOKENS_JSON = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-api-tokens-AbCdEf"
    }
    error_message = "Database credentials must come from the RDS-managed secret, the API tokens from api_tokens_secret_arn."
  }

  assert {
    condition     = length(data.aws_iam_policy_document.worker_task.statement) == 4
    error_message = "The task role has exactly four statements: queue, dead letters, table, metrics."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.worker_task.statement[0].actions == toset(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"]) &&
      data.aws_iam_policy_document.worker_task.statement[0].resources == toset([output.usage_event_queue_arn])
    )
    error_message = "On the main queue the task role may only receive, delete, change visibility, read attributes/URL and send (redrive)."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.worker_task.statement[1].actions == toset(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"]) &&
      data.aws_iam_policy_document.worker_task.statement[1].resources == toset([output.usage_event_dlq_arn])
    )
    error_message = "On the DLQ the task role may only send, receive, change visibility, delete and read attributes/URL."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.worker_task.statement[2].actions == toset(["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"]) &&
      data.aws_iam_policy_document.worker_task.statement[2].resources == toset([output.entitlements_table_arn])
    )
    error_message = "On the table the task role may only use the listed item and describe actions."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.worker_task.statement :
      !contains(s.resources, "*") if anytrue([for a in s.actions : startswith(a, "sqs:") || startswith(a, "dynamodb:")])
    ])
    error_message = "No SQS or DynamoDB action may be granted on \"*\"."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.worker_task.statement[3].actions == toset(["cloudwatch:PutMetricData"]) &&
      one(data.aws_iam_policy_document.worker_task.statement[3].condition).variable == "cloudwatch:namespace" &&
      toset(one(data.aws_iam_policy_document.worker_task.statement[3].condition).values) == toset(["Ledger"])
    )
    error_message = "PutMetricData must be limited to the Ledger namespace."
  }

  assert {
    condition = (
      length(data.aws_iam_policy_document.producer.statement) == 1 &&
      data.aws_iam_policy_document.producer.statement[0].effect == "Allow" &&
      data.aws_iam_policy_document.producer.statement[0].actions == toset(["sqs:SendMessage"]) &&
      data.aws_iam_policy_document.producer.statement[0].resources == toset([output.usage_event_queue_arn])
    )
    error_message = "The producer policy is the seed's: Allow sqs:SendMessage on the queue ARN."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dlq_not_empty.namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.dimensions.QueueName == "ledger-dev-usage-event-dlq" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.threshold == 0
    )
    error_message = "The DLQ alarm fires on any visible message on the DLQ."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.queue_oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.queue_oldest_message_age.dimensions.QueueName == "ledger-dev-usage-event-queue" &&
      aws_cloudwatch_metric_alarm.queue_oldest_message_age.threshold == 300
    )
    error_message = "The age alarm watches the main queue's oldest message against 300 s."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.projection_lag.namespace == "Ledger" &&
      aws_cloudwatch_metric_alarm.projection_lag.metric_name == "ledger.projection.lag.events" &&
      aws_cloudwatch_metric_alarm.projection_lag.dimensions == tomap({ processor = "entitlement-table" }) &&
      aws_cloudwatch_metric_alarm.projection_lag.threshold == 1000
    )
    error_message = "The projection lag alarm watches Ledger/ledger.projection.lag.events for processor entitlement-table."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.worker_no_running_tasks.namespace == "ECS/ContainerInsights" &&
      aws_cloudwatch_metric_alarm.worker_no_running_tasks.metric_name == "RunningTaskCount" &&
      aws_cloudwatch_metric_alarm.worker_no_running_tasks.comparison_operator == "LessThanThreshold" &&
      aws_cloudwatch_metric_alarm.worker_no_running_tasks.threshold == 1 &&
      aws_cloudwatch_metric_alarm.worker_no_running_tasks.dimensions == tomap({ ClusterName = "ledger-dev-usage-event-service", ServiceName = "ledger-dev-usage-event-worker" })
    )
    error_message = "The no-tasks alarm watches the service's RunningTaskCount."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_actions) == 0
    error_message = "Without alarm_topic_arn the alarms notify nobody."
  }

  assert {
    condition = (
      aws_appautoscaling_target.worker.resource_id == "service/ledger-dev-usage-event-service/ledger-dev-usage-event-worker" &&
      aws_appautoscaling_target.worker.min_capacity == 1 &&
      aws_appautoscaling_target.worker.max_capacity == 4
    )
    error_message = "Autoscaling targets the worker service between min_count and max_count."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.scale_out_queue_depth.metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.scale_out_message_age.metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.scale_out_queue_depth.alarm_actions == toset([aws_appautoscaling_policy.scale_out_on_queue_depth.arn]) &&
      aws_cloudwatch_metric_alarm.scale_out_message_age.alarm_actions == toset([aws_appautoscaling_policy.scale_out_on_message_age.arn])
    )
    error_message = "Scaling follows queue depth and age of the oldest message."
  }
}

run "uses_an_existing_table_and_database" {
  command = apply

  variables {
    existing_entitlements_table_name = "shared-entitlements"
    existing_database_url            = "jdbc:postgresql://ledger.db.internal:5432/ledger"
    existing_database_secret_arn     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf"
    alarm_topic_arn                  = "arn:aws:sns:us-east-1:123456789012:ledger-dev-alarms"
  }

  assert {
    condition = (
      !output.entitlements_table_created &&
      output.entitlements_table_name == "shared-entitlements" &&
      output.entitlements_table_arn == "arn:aws:dynamodb:us-east-1:123456789012:table/shared-entitlements"
    )
    error_message = "With existing_entitlements_table_name the table is read through the data source, not created."
  }

  assert {
    condition     = output.database_instance_identifier == null && output.database_jdbc_url == "jdbc:postgresql://ledger.db.internal:5432/ledger"
    error_message = "With existing_database_url no RDS instance is created and the given URL is used."
  }

  assert {
    condition = (
      local.worker_secrets.SPRING_DATASOURCE_USERNAME == "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf:username::" &&
      local.worker_secrets.SPRING_DATASOURCE_PASSWORD == "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf:password::"
    )
    error_message = "Credentials of an existing database come from existing_database_secret_arn."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.worker_task.statement[2].resources == toset(["arn:aws:dynamodb:us-east-1:123456789012:table/shared-entitlements"])
    )
    error_message = "The task role is scoped to the existing table's ARN."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:ledger-dev-alarms"]) &&
      aws_cloudwatch_metric_alarm.worker_no_running_tasks.ok_actions == toset(["arn:aws:sns:us-east-1:123456789012:ledger-dev-alarms"])
    )
    error_message = "With alarm_topic_arn the alarms notify the topic on alarm and recovery."
  }
}

run "rejects_a_half_configured_existing_database" {
  command = plan

  variables {
    existing_database_url = "jdbc:postgresql://ledger.db.internal:5432/ledger"
  }

  expect_failures = [terraform_data.input_checks]
}

run "rejects_a_database_url_with_credentials" {
  command = plan

  variables {
    existing_database_url        = "jdbc:postgresql://ledger.db.internal:5432/ledger?user=admin&password=secret"
    existing_database_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf"
  }

  expect_failures = [var.existing_database_url]
}

run "rejects_a_desired_count_outside_min_and_max" {
  command = plan

  variables {
    desired_count = 5
    max_count     = 4
  }

  expect_failures = [terraform_data.input_checks]
}

run "rejects_an_invalid_environment_name" {
  command = plan

  variables {
    environment = "Prod_1"
  }

  expect_failures = [var.environment]
}

run "rejects_max_receive_count_below_one" {
  command = plan

  variables {
    max_receive_count = 0
  }

  expect_failures = [var.max_receive_count]
}

run "rejects_a_processing_timeout_whose_visibility_exceeds_12_hours" {
  command = plan

  variables {
    worker_processing_timeout_seconds = 7201
  }

  expect_failures = [var.worker_processing_timeout_seconds]
}

# ---- modules -----------------------------------------------------------------------------------

run "queue_module_encrypts_and_redrives_to_the_dlq" {
  command = apply

  module {
    source = "../../modules/sqs-queue-with-dlq"
  }

  variables {
    queue_name                 = "ledger-dev-usage-event-queue"
    dlq_name                   = "ledger-dev-usage-event-dlq"
    visibility_timeout_seconds = 180
    max_receive_count          = 5
    sender_principal_arns      = ["arn:aws:iam::123456789012:root"]
  }

  override_resource {
    target = aws_sqs_queue.main
    values = { arn = "arn:aws:sqs:us-east-1:123456789012:ledger-dev-usage-event-queue" }
  }

  override_resource {
    target = aws_sqs_queue.dlq
    values = { arn = "arn:aws:sqs:us-east-1:123456789012:ledger-dev-usage-event-dlq" }
  }

  assert {
    condition     = aws_sqs_queue.main.sqs_managed_sse_enabled && aws_sqs_queue.dlq.sqs_managed_sse_enabled
    error_message = "Both queues use SQS-managed SSE."
  }

  assert {
    condition = jsondecode(aws_sqs_queue.main.redrive_policy) == {
      deadLetterTargetArn = "arn:aws:sqs:us-east-1:123456789012:ledger-dev-usage-event-dlq"
      maxReceiveCount     = 5
    }
    error_message = "The main queue redrives to the DLQ after max_receive_count receives."
  }

  assert {
    condition     = aws_sqs_queue.main.visibility_timeout_seconds == 180 && aws_sqs_queue.dlq.message_retention_seconds == 1209600
    error_message = "Visibility timeout is passed through and the DLQ keeps messages 14 days."
  }

  assert {
    condition = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy) == {
      redrivePermission = "byQueue"
      sourceQueueArns   = ["arn:aws:sqs:us-east-1:123456789012:ledger-dev-usage-event-queue"]
    }
    error_message = "Only the main queue may use the DLQ."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.main_queue[0].statement[0].actions == toset(["sqs:SendMessage"]) &&
      one(data.aws_iam_policy_document.main_queue[0].statement[0].principals).identifiers == toset(["arn:aws:iam::123456789012:root"])
    )
    error_message = "The queue policy lets the account's principals send."
  }
}

run "table_module_creates_the_shared_table_shape" {
  command = apply

  module {
    source = "../../modules/entitlements-table"
  }

  variables {
    table_name = "ledger-dev-entitlements"
  }

  assert {
    condition = (
      aws_dynamodb_table.this[0].billing_mode == "PAY_PER_REQUEST" &&
      aws_dynamodb_table.this[0].hash_key == "userId" &&
      aws_dynamodb_table.this[0].range_key == "entitlementKey" &&
      aws_dynamodb_table.this[0].deletion_protection_enabled &&
      one(aws_dynamodb_table.this[0].point_in_time_recovery).enabled
    )
    error_message = "The table is on-demand, keyed (userId, entitlementKey), deletion-protected, with PITR."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].attribute == toset([{ name = "userId", type = "S" }, { name = "entitlementKey", type = "S" }])
    error_message = "Both keys are strings."
  }
}

run "postgres_module_is_private_encrypted_and_admits_only_the_worker" {
  command = apply

  module {
    source = "../../modules/postgres"
  }

  variables {
    identifier                 = "ledger-dev-usage-event-db"
    vpc_id                     = "vpc-0123456789abcdef0"
    subnet_ids                 = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    allowed_security_group_ids = ["sg-0123456789abcdef0"]
    database_name              = "ledger"
    master_username            = "ledger_admin"
  }

  assert {
    condition = (
      aws_db_instance.this.engine == "postgres" &&
      aws_db_instance.this.engine_version == "16" &&
      aws_db_instance.this.storage_encrypted &&
      !aws_db_instance.this.publicly_accessible &&
      aws_db_instance.this.manage_master_user_password
    )
    error_message = "PostgreSQL 16, encrypted, private, with the master password managed in Secrets Manager."
  }

  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.postgres) == 1 &&
      aws_vpc_security_group_ingress_rule.postgres[0].referenced_security_group_id == "sg-0123456789abcdef0" &&
      aws_vpc_security_group_ingress_rule.postgres[0].from_port == 5432 &&
      aws_vpc_security_group_ingress_rule.postgres[0].to_port == 5432
    )
    error_message = "Only the worker's security group is admitted, on 5432."
  }
}

run "worker_module_passes_credentials_only_as_secrets" {
  command = apply

  module {
    source = "../../modules/ecs-worker"
  }

  variables {
    cluster_name          = "ledger-dev-usage-event-service"
    service_name          = "ledger-dev-usage-event-worker"
    role_name_prefix      = "ledger-dev-usage-event-worker"
    log_group_name        = "/ecs/ledger-dev/usage-event-worker"
    cpu                   = 1024
    memory                = 2048
    desired_count         = 1
    subnet_ids            = ["subnet-0123456789abcdef0"]
    security_group_ids    = ["sg-0123456789abcdef0"]
    health_check_command  = ["CMD-SHELL", "curl -fsS http://localhost:8080/actuator/health || exit 1"]
    task_role_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    environment           = { SPRING_PROFILES_ACTIVE = "aws" }
    secrets = {
      SPRING_DATASOURCE_PASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"
    }
    execution_secret_arns = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"]
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets == [
        { name = "SPRING_DATASOURCE_PASSWORD", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::" }
      ] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment == [
        { name = "SPRING_PROFILES_ACTIVE", value = "aws" }
      ]
    )
    error_message = "Secrets go to the container's secrets, plain values to its environment."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings[0].containerPort == 8080 &&
      strcontains(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command[1], "/actuator/health")
    )
    error_message = "The container listens on 8080 and is health-checked on /actuator/health."
  }

  assert {
    condition     = aws_ecs_task_definition.this.task_role_arn != null && aws_ecs_task_definition.this.execution_role_arn != null && aws_iam_role.task.name != aws_iam_role.execution.name
    error_message = "The task role and the execution role are separate roles."
  }

  assert {
    condition = (
      one([for s in data.aws_iam_policy_document.execution.statement : s if s.sid == "ReadTaskSecrets"]).resources == toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"]) &&
      one([for s in data.aws_iam_policy_document.execution.statement : s if s.sid == "EcrPullImage"]).resources == toset(["arn:aws:ecr:us-east-1:123456789012:repository/entitlement-ledger"])
    )
    error_message = "The execution role reads only the task's secrets and pulls only the image's repository."
  }

  assert {
    condition     = one(aws_ecs_cluster.this.setting).name == "containerInsights" && one(aws_ecs_cluster.this.setting).value == "enabled"
    error_message = "Container Insights is on (the no-running-tasks alarm reads its metrics)."
  }
}

run "worker_module_refuses_a_credential_in_the_plain_environment" {
  command = plan

  module {
    source = "../../modules/ecs-worker"
  }

  variables {
    cluster_name          = "ledger-dev-usage-event-service"
    service_name          = "ledger-dev-usage-event-worker"
    role_name_prefix      = "ledger-dev-usage-event-worker"
    log_group_name        = "/ecs/ledger-dev/usage-event-worker"
    cpu                   = 1024
    memory                = 2048
    desired_count         = 1
    subnet_ids            = ["subnet-0123456789abcdef0"]
    security_group_ids    = ["sg-0123456789abcdef0"]
    health_check_command  = ["CMD-SHELL", "curl -fsS http://localhost:8080/actuator/health || exit 1"]
    task_role_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    environment           = { SPRING_DATASOURCE_PASSWORD = "hunter2" }
  }

  expect_failures = [aws_ecs_task_definition.this]
}
