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

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/ledger-dev-usage-event-api/50dc6c495c0c9188"
      arn_suffix = "app/ledger-dev-usage-event-api/50dc6c495c0c9188"
      dns_name   = "internal-ledger-dev-usage-event-api-1234567890.us-east-1.elb.amazonaws.com"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ledger-dev-usage-event-worker/73e2d6bc24d8a067"
      arn_suffix = "targetgroup/ledger-dev-usage-event-worker/73e2d6bc24d8a067"
    }
  }

  mock_resource "aws_db_instance" {
    defaults = {
      resource_id = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      address     = "ledger-dev-usage-event-db.abc.us-east-1.rds.amazonaws.com"
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
  certificate_arn       = "arn:aws:acm:us-east-1:123456789012:certificate/0b4a5c1e-1111-2222-3333-444455556666"
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
      "AWS_REGION", "LEDGER_DATABASE_AUTHENTICATION", "LEDGER_DYNAMODB_TABLE", "LEDGER_ENVIRONMENT", "LEDGER_PROJECT_NAME",
      "LEDGER_SQS_DEAD_LETTER_QUEUE", "LEDGER_SQS_MAX_RECEIVE_COUNT", "SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME",
      "SPRING_PROFILES_ACTIVE", "USAGE_EVENT_QUEUE_URL",
    ])
    error_message = "The container's plain environment must be exactly the documented variables."
  }

  assert {
    condition = (
      local.worker_environment.SPRING_PROFILES_ACTIVE == "aws" &&
      local.worker_environment.USAGE_EVENT_QUEUE_URL == output.usage_event_queue_url &&
      local.worker_environment.LEDGER_SQS_DEAD_LETTER_QUEUE == output.usage_event_dlq_url &&
      local.worker_environment.LEDGER_DYNAMODB_TABLE == "ledger-dev-entitlements" &&
      local.worker_environment.AWS_REGION == "us-east-1"
    )
    error_message = "The container's environment must point at this stack's queues and table."
  }

  assert {
    condition = (
      local.worker_environment.SPRING_DATASOURCE_URL == "jdbc:postgresql://ledger-dev-usage-event-db.abc.us-east-1.rds.amazonaws.com:5432/ledger?sslmode=require" &&
      local.worker_environment.SPRING_DATASOURCE_USERNAME == "ledger_app" &&
      local.worker_environment.LEDGER_DATABASE_AUTHENTICATION == "iam" &&
      local.worker_environment.LEDGER_SQS_MAX_RECEIVE_COUNT == "5"
    )
    error_message = "The ledger connects over TLS as ledger_app with IAM authentication, and knows the queue's max_receive_count."
  }

  assert {
    condition = local.worker_secrets == {
      LEDGER_SECURITY_TOKENS_JSON = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-api-tokens-AbCdEf"
    }
    error_message = "The ledger container's only secret is the API tokens: no database password reaches it."
  }

  assert {
    condition = (
      [for c in jsondecode(module.worker.container_definitions) : c.name] == ["ledger", "db-bootstrap"] &&
      alltrue([for c in jsondecode(module.worker.container_definitions) : c.image == var.image]) &&
      length([
        for c in jsondecode(module.worker.container_definitions) : c if c.name == "ledger" && length([
          for v in concat(c.environment, c.secrets) : v if can(regex("PASSWORD|ADMIN", v.name))
        ]) == 0
      ]) == 1
    )
    error_message = "The task runs the ledger and db-bootstrap, both from the image; the ledger container has no database password or admin variable."
  }

  assert {
    condition = (
      one([for c in jsondecode(module.worker.container_definitions) : c.dependsOn if c.name == "ledger"]) == [{ containerName = "db-bootstrap", condition = "SUCCESS" }] &&
      one([for c in jsondecode(module.worker.container_definitions) : c.essential if c.name == "db-bootstrap"]) == false &&
      one([for c in jsondecode(module.worker.container_definitions) : c.command if c.name == "db-bootstrap"]) == ["database", "bootstrap"] &&
      one([for c in jsondecode(module.worker.container_definitions) : c.logConfiguration.options["awslogs-stream-prefix"] if c.name == "db-bootstrap"]) == "db-bootstrap"
    )
    error_message = "db-bootstrap runs `database bootstrap`, is not essential, logs under its own prefix, and the ledger starts only after it succeeded."
  }

  assert {
    condition = (
      one([for c in jsondecode(module.worker.container_definitions) : c.secrets if c.name == "db-bootstrap"]) == [
        { name = "LEDGER_DATABASE_ADMIN_PASSWORD", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf:password::" },
        { name = "LEDGER_DATABASE_ADMIN_USERNAME", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf:username::" },
      ] &&
      one([for c in jsondecode(module.worker.container_definitions) : c.environment if c.name == "db-bootstrap"]) == [
        { name = "LEDGER_DATABASE_APP_USERNAME", value = "ledger_app" },
        { name = "SPRING_DATASOURCE_URL", value = "jdbc:postgresql://ledger-dev-usage-event-db.abc.us-east-1.rds.amazonaws.com:5432/ledger?sslmode=require" },
      ]
    )
    error_message = "db-bootstrap gets the admin credentials from the RDS-managed secret, the same URL, and the application user to create."
  }

  assert {
    condition     = length(data.aws_iam_policy_document.worker_task.statement) == 5
    error_message = "The task role has exactly five statements: queue, dead letters, table, metrics, database."
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
      data.aws_iam_policy_document.worker_task.statement[2].actions == toset(["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"]) &&
      data.aws_iam_policy_document.worker_task.statement[2].resources == toset([output.entitlements_table_arn])
    )
    error_message = "On the table the task role may only use the listed item and describe actions."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.worker_task.statement :
      !contains(s.resources, "*") if anytrue([for a in s.actions : startswith(a, "sqs:") || startswith(a, "dynamodb:") || startswith(a, "rds-db:")])
    ])
    error_message = "No SQS, DynamoDB or rds-db action may be granted on \"*\"."
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
      data.aws_iam_policy_document.worker_task.statement[4].sid == "ConnectToDatabase" &&
      data.aws_iam_policy_document.worker_task.statement[4].actions == toset(["rds-db:connect"]) &&
      data.aws_iam_policy_document.worker_task.statement[4].resources == toset(["arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXYZ/ledger_app"])
    )
    error_message = "The task role may connect to the created database only as ledger_app (rds-db:connect on that dbuser)."
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

  # ---- load balancer

  assert {
    condition = (
      aws_lb.api.internal &&
      aws_lb.api.load_balancer_type == "application" &&
      aws_lb.api.name == "ledger-dev-usage-event-api" &&
      aws_lb.api.subnets == toset(var.private_subnet_ids) &&
      aws_lb.api.security_groups == toset([aws_security_group.alb.id])
    )
    error_message = "An internal application load balancer in the private subnets (alb_subnet_ids unset), with its own security group."
  }

  assert {
    condition = (
      length(aws_lb_listener.https) == 1 &&
      aws_lb_listener.https[0].port == 443 &&
      aws_lb_listener.https[0].protocol == "HTTPS" &&
      aws_lb_listener.https[0].certificate_arn == var.certificate_arn &&
      aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" &&
      aws_lb_listener.https[0].default_action[0].target_group_arn == aws_lb_target_group.api.arn
    )
    error_message = "HTTPS on 443 with the certificate and the TLS 1.3/1.2 policy forwards to the target group."
  }

  assert {
    condition     = length(aws_lb_listener.http) == 0
    error_message = "No plain HTTP listener unless allow_plain_http."
  }

  assert {
    condition     = module.worker.target_group_arn == aws_lb_target_group.api.arn
    error_message = "The ECS service registers its tasks in the load balancer's target group."
  }

  assert {
    condition = (
      aws_lb_target_group.api.target_type == "ip" &&
      aws_lb_target_group.api.port == 8080 &&
      aws_lb_target_group.api.protocol == "HTTP" &&
      aws_lb_target_group.api.deregistration_delay == "30" &&
      aws_lb_target_group.api.health_check[0].path == "/actuator/health/readiness" &&
      aws_lb_target_group.api.health_check[0].matcher == "200"
    )
    error_message = "The target group sends HTTP to the tasks' port 8080 by IP and checks readiness."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.worker_from_alb.security_group_id == aws_security_group.worker.id &&
      aws_vpc_security_group_ingress_rule.worker_from_alb.referenced_security_group_id == aws_security_group.alb.id &&
      aws_vpc_security_group_ingress_rule.worker_from_alb.cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.worker_from_alb.from_port == 8080 &&
      aws_vpc_security_group_ingress_rule.worker_from_alb.to_port == 8080
    )
    error_message = "The tasks admit the load balancer's security group on 8080, and nothing else."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_from_cidr) == 0 && length(aws_vpc_security_group_ingress_rule.alb_from_security_group) == 0
    error_message = "Without api_ingress_* the load balancer admits nobody (private by default)."
  }

  assert {
    condition     = output.api_base_url == "https://internal-ledger-dev-usage-event-api-1234567890.us-east-1.elb.amazonaws.com"
    error_message = "api_base_url is https:// and the load balancer's DNS name."
  }

  # ---- alarms

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.queue_oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.queue_oldest_message_age.dimensions.QueueName == "ledger-dev-usage-event-queue" &&
      aws_cloudwatch_metric_alarm.queue_oldest_message_age.threshold == 840
    )
    error_message = "The age alarm watches the main queue's oldest message against the rejection retry span (3 x 180 s) plus the 300 s margin."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.namespace == "Ledger" &&
      aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.metric_name == "ledger.intake.dead.lettered.count" &&
      aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.dimensions == tomap({ kind = "invalid" }) &&
      aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.period == 300 &&
      aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.threshold == 0
    )
    error_message = "Any invalid message dead-lettered in 5 minutes alarms (Ledger/ledger.intake.dead.lettered.count, kind=invalid)."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.audit_write_failures.namespace == "Ledger" &&
      aws_cloudwatch_metric_alarm.audit_write_failures.metric_name == "ledger.audit.failures.count" &&
      aws_cloudwatch_metric_alarm.audit_write_failures.dimensions == null &&
      aws_cloudwatch_metric_alarm.audit_write_failures.statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.audit_write_failures.threshold == 0
    )
    error_message = "Any admin request answered without its audit row alarms (Ledger/ledger.audit.failures.count)."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.rejected_messages_dead_lettered.namespace == "Ledger" &&
      aws_cloudwatch_metric_alarm.rejected_messages_dead_lettered.metric_name == "ledger.intake.dead.lettered.count" &&
      aws_cloudwatch_metric_alarm.rejected_messages_dead_lettered.dimensions == tomap({ kind = "rejected" }) &&
      aws_cloudwatch_metric_alarm.rejected_messages_dead_lettered.period == 3600 &&
      aws_cloudwatch_metric_alarm.rejected_messages_dead_lettered.threshold == 100
    )
    error_message = "Rejected dead letters alarm only above 100 an hour (kind=rejected)."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.dimensions == tomap({ QueueName = "ledger-dev-usage-event-dlq" }) &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.threshold == 259200
    )
    error_message = "A dead letter older than 3 days alarms."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.projection_lag.namespace == "Ledger" &&
      aws_cloudwatch_metric_alarm.projection_lag.metric_name == "ledger.projection.lag.events.value" &&
      aws_cloudwatch_metric_alarm.projection_lag.dimensions == tomap({ processor = "entitlement-table" }) &&
      aws_cloudwatch_metric_alarm.projection_lag.threshold == 1000 &&
      aws_cloudwatch_metric_alarm.projection_lag.treat_missing_data == "missing"
    )
    error_message = "The projection lag alarm watches the gauge Ledger/ledger.projection.lag.events.value for processor entitlement-table; missing data is not OK."
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
    condition = (
      aws_cloudwatch_metric_alarm.worker_cpu_high.namespace == "AWS/ECS" && aws_cloudwatch_metric_alarm.worker_cpu_high.metric_name == "CPUUtilization" &&
      aws_cloudwatch_metric_alarm.worker_memory_high.namespace == "AWS/ECS" && aws_cloudwatch_metric_alarm.worker_memory_high.metric_name == "MemoryUtilization" &&
      aws_cloudwatch_metric_alarm.worker_cpu_high.dimensions == tomap({ ClusterName = "ledger-dev-usage-event-service", ServiceName = "ledger-dev-usage-event-worker" }) &&
      aws_cloudwatch_metric_alarm.worker_memory_high.dimensions == aws_cloudwatch_metric_alarm.worker_cpu_high.dimensions &&
      aws_cloudwatch_metric_alarm.worker_cpu_high.threshold == 85 && aws_cloudwatch_metric_alarm.worker_cpu_high.period * aws_cloudwatch_metric_alarm.worker_cpu_high.evaluation_periods == 600
    )
    error_message = "Service CPU and memory alarm above 85 % for 10 minutes."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.database_cpu_high[0].metric_name == "CPUUtilization" &&
      aws_cloudwatch_metric_alarm.database_free_storage_low[0].metric_name == "FreeStorageSpace" &&
      aws_cloudwatch_metric_alarm.database_free_storage_low[0].comparison_operator == "LessThanThreshold" &&
      aws_cloudwatch_metric_alarm.database_free_storage_low[0].threshold == 2147483648 &&
      aws_cloudwatch_metric_alarm.database_connections_high[0].metric_name == "DatabaseConnections" &&
      alltrue([for a in [aws_cloudwatch_metric_alarm.database_cpu_high[0], aws_cloudwatch_metric_alarm.database_free_storage_low[0], aws_cloudwatch_metric_alarm.database_connections_high[0]] :
      a.namespace == "AWS/RDS" && a.dimensions == tomap({ DBInstanceIdentifier = "ledger-dev-usage-event-db" })])
    )
    error_message = "The created database has CPU, free storage (below 10 % of 20 GiB) and connection alarms."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.table_read_throttles.metric_name == "ReadThrottleEvents" &&
      aws_cloudwatch_metric_alarm.table_write_throttles.metric_name == "WriteThrottleEvents" &&
      alltrue([for a in [aws_cloudwatch_metric_alarm.table_read_throttles, aws_cloudwatch_metric_alarm.table_write_throttles] :
      a.namespace == "AWS/DynamoDB" && a.dimensions == tomap({ TableName = "ledger-dev-entitlements" })])
    )
    error_message = "Throttled reads and writes of the table alarm."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.api_load_balancer_5xx.namespace == "AWS/ApplicationELB" &&
      aws_cloudwatch_metric_alarm.api_load_balancer_5xx.metric_name == "HTTPCode_ELB_5XX_Count" &&
      aws_cloudwatch_metric_alarm.api_load_balancer_5xx.dimensions == tomap({ LoadBalancer = "app/ledger-dev-usage-event-api/50dc6c495c0c9188" }) &&
      aws_cloudwatch_metric_alarm.api_unhealthy_targets.metric_name == "UnHealthyHostCount" &&
      aws_cloudwatch_metric_alarm.api_unhealthy_targets.dimensions == tomap({ LoadBalancer = "app/ledger-dev-usage-event-api/50dc6c495c0c9188", TargetGroup = "targetgroup/ledger-dev-usage-event-worker/73e2d6bc24d8a067" })
    )
    error_message = "The load balancer's own 5xx and unhealthy targets alarm."
  }

  assert {
    condition     = length(output.alarm_names) == 16 && output.alarm_names.database_connections_high == "ledger-dev-usage-event-db-connections-high"
    error_message = "alarm_names lists all 15 operational alarms when the database is created."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.alarm_actions) == 0
    error_message = "Without alarm_topic_arn the alarms notify nobody."
  }

  # ---- scaling

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
      aws_appautoscaling_policy.visible_messages_per_task.policy_type == "TargetTrackingScaling" &&
      aws_appautoscaling_policy.visible_messages_per_task.target_tracking_scaling_policy_configuration[0].target_value == 100 &&
      one([for m in aws_appautoscaling_policy.visible_messages_per_task.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : m if m.return_data]).expression == "visible / tasks" &&
      one([for m in aws_appautoscaling_policy.visible_messages_per_task.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : m.metric_stat[0].metric[0] if m.id == "visible"]).metric_name == "ApproximateNumberOfMessagesVisible" &&
      one([for m in aws_appautoscaling_policy.visible_messages_per_task.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : m.metric_stat[0].metric[0] if m.id == "visible"]).dimensions == toset([{ name = "QueueName", value = "ledger-dev-usage-event-queue" }]) &&
      one([for m in aws_appautoscaling_policy.visible_messages_per_task.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : m.metric_stat[0].metric[0] if m.id == "tasks"]).metric_name == "RunningTaskCount"
    )
    error_message = "Scaling tracks 100 visible messages per running task (not the age of the oldest message)."
  }
}

run "uses_an_existing_table_and_database" {
  command = apply

  variables {
    existing_entitlements_table_name = "shared-entitlements"
    existing_database_url            = "jdbc:postgresql://ledger.db.internal:5432/ledger"
    existing_database_secret_arn     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf"
    existing_database_resource_id    = "db-EXISTINGRESOURCEID0123456"
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
    condition     = output.database_instance_identifier == null && output.database_jdbc_url == "jdbc:postgresql://ledger.db.internal:5432/ledger?sslmode=require"
    error_message = "With existing_database_url no RDS instance is created and the given URL is used, with sslmode=require."
  }

  assert {
    condition = (
      local.database_bootstrap.secrets.LEDGER_DATABASE_ADMIN_USERNAME == "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf:username::" &&
      local.database_bootstrap.secrets.LEDGER_DATABASE_ADMIN_PASSWORD == "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf:password::" &&
      keys(local.worker_secrets) == ["LEDGER_SECURITY_TOKENS_JSON"]
    )
    error_message = "Admin credentials of an existing database come from existing_database_secret_arn and go to db-bootstrap only."
  }

  assert {
    condition     = data.aws_iam_policy_document.worker_task.statement[4].resources == toset(["arn:aws:rds-db:us-east-1:123456789012:dbuser:db-EXISTINGRESOURCEID0123456/ledger_app"])
    error_message = "rds-db:connect names existing_database_resource_id."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.worker_task.statement[2].resources == toset(["arn:aws:dynamodb:us-east-1:123456789012:table/shared-entitlements"])
    )
    error_message = "The task role is scoped to the existing table's ARN."
  }

  assert {
    condition     = length(output.alarm_names) == 13 && !contains(keys(output.alarm_names), "database_cpu_high") && length(aws_cloudwatch_metric_alarm.database_cpu_high) == 0
    error_message = "Without a created database there are no RDS alarms."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:ledger-dev-alarms"]) &&
      aws_cloudwatch_metric_alarm.worker_no_running_tasks.ok_actions == toset(["arn:aws:sns:us-east-1:123456789012:ledger-dev-alarms"])
    )
    error_message = "With alarm_topic_arn the alarms notify the topic on alarm and recovery."
  }
}

run "keeps_the_sslmode_of_an_existing_database_url" {
  command = plan

  variables {
    existing_database_url         = "jdbc:postgresql://ledger.db.internal:5432/ledger?sslmode=verify-full&ApplicationName=ledger"
    existing_database_secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf"
    existing_database_resource_id = "db-EXISTINGRESOURCEID0123456"
  }

  assert {
    condition     = local.database_url == "jdbc:postgresql://ledger.db.internal:5432/ledger?sslmode=verify-full&ApplicationName=ledger"
    error_message = "An sslmode in existing_database_url is kept."
  }
}

run "appends_sslmode_to_an_existing_database_url_with_parameters" {
  command = plan

  variables {
    existing_database_url         = "jdbc:postgresql://ledger.db.internal:5432/ledger?ApplicationName=ledger"
    existing_database_secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf"
    existing_database_resource_id = "db-EXISTINGRESOURCEID0123456"
  }

  assert {
    condition     = local.database_url == "jdbc:postgresql://ledger.db.internal:5432/ledger?ApplicationName=ledger&sslmode=require"
    error_message = "sslmode=require is appended with & to a URL that has parameters."
  }
}

run "admits_the_configured_clients_on_the_load_balancer_only" {
  command = apply

  variables {
    api_ingress_cidr_blocks        = ["10.20.0.0/16"]
    api_ingress_security_group_ids = ["sg-0aaaaaaaaaaaaaaaa"]
    allow_plain_http               = true
    alb_subnet_ids                 = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  }

  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.alb_from_cidr) == 2 &&
      toset(aws_vpc_security_group_ingress_rule.alb_from_cidr[*].from_port) == toset([80, 443]) &&
      alltrue([for r in aws_vpc_security_group_ingress_rule.alb_from_cidr : r.security_group_id == aws_security_group.alb.id && r.cidr_ipv4 == "10.20.0.0/16"]) &&
      length(aws_vpc_security_group_ingress_rule.alb_from_security_group) == 2 &&
      alltrue([for r in aws_vpc_security_group_ingress_rule.alb_from_security_group : r.security_group_id == aws_security_group.alb.id && r.referenced_security_group_id == "sg-0aaaaaaaaaaaaaaaa"])
    )
    error_message = "api_ingress_cidr_blocks and api_ingress_security_group_ids open 443 (and 80 when allowed) on the load balancer's security group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.worker_from_alb.referenced_security_group_id == aws_security_group.alb.id
    error_message = "The tasks still admit only the load balancer."
  }

  assert {
    condition     = length(aws_lb_listener.http) == 1 && aws_lb_listener.http[0].port == 80 && length(aws_lb_listener.https) == 1
    error_message = "allow_plain_http adds the HTTP listener beside HTTPS."
  }

  assert {
    condition     = aws_lb.api.subnets == toset(["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"])
    error_message = "alb_subnet_ids places the load balancer."
  }
}

run "opens_only_https_to_clients_unless_plain_http_is_allowed" {
  command = plan

  variables {
    api_ingress_cidr_blocks        = ["10.20.0.0/16"]
    api_ingress_security_group_ids = ["sg-0aaaaaaaaaaaaaaaa"]
  }

  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.alb_from_cidr) == 1 &&
      aws_vpc_security_group_ingress_rule.alb_from_cidr[0].from_port == 443 &&
      aws_vpc_security_group_ingress_rule.alb_from_cidr[0].to_port == 443 &&
      length(aws_vpc_security_group_ingress_rule.alb_from_security_group) == 1 &&
      aws_vpc_security_group_ingress_rule.alb_from_security_group[0].from_port == 443
    )
    error_message = "Without allow_plain_http the clients are admitted on 443 only."
  }
}

run "serves_plain_http_only_when_allowed_and_without_a_certificate" {
  command = apply

  variables {
    certificate_arn  = null
    allow_plain_http = true
    api_domain_name  = "ledger-api.dev.internal.example.com"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 0 && length(aws_lb_listener.http) == 1
    error_message = "Without a certificate only the HTTP listener exists."
  }

  assert {
    condition     = output.api_base_url == "http://ledger-api.dev.internal.example.com"
    error_message = "api_base_url is http:// without a certificate and names api_domain_name when set."
  }
}

run "rejects_an_api_without_a_certificate" {
  command = plan

  variables {
    certificate_arn = null
  }

  expect_failures = [aws_lb.api]
}

run "rejects_a_load_balancer_in_one_subnet" {
  command = plan

  variables {
    alb_subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
  }

  expect_failures = [aws_lb.api]
}

run "rejects_open_ingress_from_the_internet" {
  command = plan

  variables {
    api_ingress_cidr_blocks = ["0.0.0.0/0"]
  }

  expect_failures = [var.api_ingress_cidr_blocks]
}

run "rejects_the_master_user_as_the_application_user" {
  command = plan

  variables {
    database_app_username = "ledger_admin"
  }

  expect_failures = [terraform_data.input_checks]
}

run "rejects_an_existing_database_without_its_resource_id" {
  command = plan

  variables {
    existing_database_url        = "jdbc:postgresql://ledger.db.internal:5432/ledger"
    existing_database_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf"
  }

  expect_failures = [terraform_data.input_checks]
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
    existing_database_url         = "jdbc:postgresql://ledger.db.internal:5432/ledger?user=admin&password=secret"
    existing_database_secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-dev-db-AbCdEf"
    existing_database_resource_id = "db-EXISTINGRESOURCEID0123456"
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

  assert {
    condition = (
      aws_sqs_queue_policy.dlq.queue_url == aws_sqs_queue.dlq.id &&
      data.aws_iam_policy_document.dlq.statement[0].effect == "Deny" &&
      data.aws_iam_policy_document.dlq.statement[0].actions == toset(["sqs:*"]) &&
      data.aws_iam_policy_document.dlq.statement[0].resources == toset(["arn:aws:sqs:us-east-1:123456789012:ledger-dev-usage-event-dlq"]) &&
      one(data.aws_iam_policy_document.dlq.statement[0].condition).variable == "aws:SecureTransport" &&
      toset(one(data.aws_iam_policy_document.dlq.statement[0].condition).values) == toset(["false"])
    )
    error_message = "The DLQ denies every request without TLS."
  }

  assert {
    condition     = length(data.aws_iam_policy_document.dlq.statement) == 1 && aws_sqs_queue_redrive_allow_policy.dlq.queue_url == aws_sqs_queue.dlq.id
    error_message = "The DLQ's policy only denies insecure transport; the redrive allow policy stays a separate attribute."
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
    condition     = aws_db_instance.this.iam_database_authentication_enabled && output.resource_id == aws_db_instance.this.resource_id
    error_message = "IAM database authentication is on, and the resource ID (for rds-db:connect) is an output."
  }

  assert {
    condition     = !aws_db_instance.this.skip_final_snapshot && can(regex("^ledger-dev-usage-event-db-final-[0-9]{14}$", aws_db_instance.this.final_snapshot_identifier))
    error_message = "The final snapshot is always taken and named after the instance's creation time, so a re-created instance can be destroyed too."
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

run "worker_module_runs_the_init_container_first_and_registers_in_the_target_group" {
  command = apply

  module {
    source = "../../modules/ecs-worker"
  }

  variables {
    cluster_name          = "ledger-dev-usage-event-service"
    service_name          = "ledger-dev-usage-event-worker"
    role_name_prefix      = "ledger-dev-usage-event-worker"
    log_group_name        = "/ecs/ledger-dev/usage-event-worker"
    container_name        = "ledger"
    cpu                   = 1024
    memory                = 2048
    desired_count         = 1
    subnet_ids            = ["subnet-0123456789abcdef0"]
    security_group_ids    = ["sg-0123456789abcdef0"]
    health_check_command  = ["CMD-SHELL", "curl -fsS http://localhost:8080/actuator/health || exit 1"]
    task_role_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    environment           = { SPRING_DATASOURCE_USERNAME = "ledger_app" }
    init_container = {
      name        = "db-bootstrap"
      command     = ["database", "bootstrap"]
      environment = { LEDGER_DATABASE_APP_USERNAME = "ledger_app" }
      secrets     = { LEDGER_DATABASE_ADMIN_PASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::" }
    }
    target_group_arn                  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ledger-dev-usage-event-worker/73e2d6bc24d8a067"
    health_check_grace_period_seconds = 180
  }

  assert {
    condition = (
      length(jsondecode(aws_ecs_task_definition.this.container_definitions)) == 2 &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].name == "ledger" &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].essential &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].dependsOn == [{ containerName = "db-bootstrap", condition = "SUCCESS" }] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].name == "db-bootstrap" &&
      !jsondecode(aws_ecs_task_definition.this.container_definitions)[1].essential &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].command == ["database", "bootstrap"] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].secrets == [
        { name = "LEDGER_DATABASE_ADMIN_PASSWORD", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::" }
      ] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].logConfiguration.options["awslogs-group"] == "/ecs/ledger-dev/usage-event-worker"
    )
    error_message = "The init container runs the same image to completion (not essential) and the application waits for its success."
  }

  assert {
    condition = (
      one(aws_ecs_service.this.load_balancer).target_group_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ledger-dev-usage-event-worker/73e2d6bc24d8a067" &&
      one(aws_ecs_service.this.load_balancer).container_name == "ledger" &&
      one(aws_ecs_service.this.load_balancer).container_port == 8080 &&
      aws_ecs_service.this.health_check_grace_period_seconds == 180
    )
    error_message = "The service registers the application container's port 8080 in the target group, with a grace period."
  }
}

run "worker_module_without_init_container_or_load_balancer" {
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
    environment           = {}
  }

  assert {
    condition = (
      length(jsondecode(aws_ecs_task_definition.this.container_definitions)) == 1 &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].dependsOn == null &&
      length(aws_ecs_service.this.load_balancer) == 0 &&
      aws_ecs_service.this.health_check_grace_period_seconds == null
    )
    error_message = "Without init_container and target_group_arn the task has one container and the service no load balancer."
  }
}

run "worker_module_refuses_a_credential_in_the_init_container_environment" {
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
    environment           = {}
    init_container = {
      name        = "db-bootstrap"
      command     = ["database", "bootstrap"]
      environment = { LEDGER_DATABASE_ADMIN_PASSWORD = "hunter2" }
    }
  }

  expect_failures = [aws_ecs_task_definition.this]
}
