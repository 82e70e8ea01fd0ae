data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name_prefix = "${var.project_name}-${var.environment}"
  account_id  = data.aws_caller_identity.current.account_id
  region      = data.aws_region.current.name

  # A message may be received again only after the worker has certainly given up on it.
  visibility_timeout_seconds = 6 * var.worker_processing_timeout_seconds

  create_database = var.existing_database_url == null

  # TLS to PostgreSQL: IAM database authentication requires it, and the admin password of the bootstrap must not
  # cross the network in clear. An existing URL keeps an sslmode it already names (verify-full, say).
  database_url = local.create_database ? "${module.postgres[0].jdbc_url}?sslmode=require" : (
    can(regex("[?&]sslmode=", var.existing_database_url)) ? var.existing_database_url :
    "${var.existing_database_url}${strcontains(var.existing_database_url, "?") ? "&" : "?"}sslmode=require"
  )

  # The "unset" fallbacks only keep a half-set configuration from failing with an unclear error;
  # terraform_data.input_checks then explains what is missing.
  # Admin credentials, read only by the db-bootstrap container: the RDS-managed master secret, or the existing
  # database's secret.
  database_admin_secret_arn = local.create_database ? module.postgres[0].master_user_secret_arn : coalesce(var.existing_database_secret_arn, "unset")
  database_resource_id      = local.create_database ? module.postgres[0].resource_id : coalesce(var.existing_database_resource_id, "unset")

  container_port = 8080

  # Plain environment of the ledger container. The database user is no secret: the ledger logs in as it with a
  # short-lived IAM token (LEDGER_DATABASE_AUTHENTICATION = iam), so no password reaches the application.
  worker_environment = {
    SPRING_PROFILES_ACTIVE         = "aws"
    LEDGER_PROJECT_NAME            = var.project_name
    LEDGER_ENVIRONMENT             = var.environment
    USAGE_EVENT_QUEUE_URL          = module.usage_event_queue.queue_url
    LEDGER_SQS_DEAD_LETTER_QUEUE   = module.usage_event_queue.dlq_url
    LEDGER_SQS_MAX_RECEIVE_COUNT   = tostring(var.max_receive_count)
    LEDGER_DYNAMODB_TABLE          = module.entitlements_table.table_name
    SPRING_DATASOURCE_URL          = local.database_url
    SPRING_DATASOURCE_USERNAME     = var.database_app_username
    LEDGER_DATABASE_AUTHENTICATION = "iam"
    AWS_REGION                     = local.region
  }

  # Credentials reach a container only as ECS secrets: the execution role resolves them at task start, and the
  # task definition holds nothing but their ARNs.
  worker_secrets = {
    LEDGER_SECURITY_TOKENS_JSON = var.api_tokens_secret_arn
  }

  # Runs before the ledger in every task (ADR 0019): logs in with the admin credentials, creates the application
  # user if it is missing, grants it rds_iam and makes it owner of the schema and its objects. Idempotent and a
  # few seconds long. ECS resolves the admin secret when the task starts, so a rotated master password is picked
  # up by the next task without a redeploy, and the ledger never sees it.
  database_bootstrap = {
    name    = "db-bootstrap"
    command = ["database", "bootstrap"]
    environment = {
      SPRING_DATASOURCE_URL        = local.database_url
      LEDGER_DATABASE_APP_USERNAME = var.database_app_username
    }
    secrets = {
      LEDGER_DATABASE_ADMIN_USERNAME = "${local.database_admin_secret_arn}:username::"
      LEDGER_DATABASE_ADMIN_PASSWORD = "${local.database_admin_secret_arn}:password::"
    }
  }

  # A rejected message stays in flight and is received again every visibility timeout until the redrive policy
  # moves it. SQS's ApproximateAgeOfOldestMessage stops counting a message once it has been received three
  # times, so one rejection can hold the age up for at most this long (adr/0018).
  rejection_retry_span_seconds = min(var.max_receive_count, 3) * local.visibility_timeout_seconds
}

# Checks that span several variables, in one place. Preconditions are evaluated at plan time, so a failed check
# stops the plan before any change.
resource "terraform_data" "input_checks" {
  lifecycle {
    precondition {
      condition = (
        (var.existing_database_url == null) == (var.existing_database_secret_arn == null) &&
        (var.existing_database_url == null) == (var.existing_database_resource_id == null)
      )
      error_message = "Set all of existing_database_url, existing_database_secret_arn and existing_database_resource_id (use an existing database) or none of them (create RDS PostgreSQL)."
    }

    precondition {
      condition     = !local.create_database || length(var.private_subnet_ids) >= 2
      error_message = "Creating the database needs at least two private_subnet_ids in different availability zones."
    }

    precondition {
      condition     = lower(var.database_app_username) != lower(var.database_master_username)
      error_message = "database_app_username must differ from database_master_username: the ledger must not run as the master user."
    }

    precondition {
      condition     = var.min_count <= var.desired_count && var.desired_count <= var.max_count
      error_message = "desired_count must lie between min_count and max_count."
    }
  }
}

# ---- queues ------------------------------------------------------------------------------------

module "usage_event_queue" {
  source = "../../modules/sqs-queue-with-dlq"

  queue_name                    = "${local.name_prefix}-usage-event-queue"
  dlq_name                      = "${local.name_prefix}-usage-event-dlq"
  visibility_timeout_seconds    = local.visibility_timeout_seconds
  max_receive_count             = var.max_receive_count
  message_retention_seconds     = var.queue_message_retention_seconds
  dlq_message_retention_seconds = 1209600

  # The account root delegates to IAM: any principal of this account whose own policy grants
  # sqs:SendMessage (see output producer_policy_json) may send.
  sender_principal_arns = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
}

# ---- entitlements table ------------------------------------------------------------------------

module "entitlements_table" {
  source = "../../modules/entitlements-table"

  table_name          = "${local.name_prefix}-entitlements"
  existing_table_name = var.existing_entitlements_table_name
}

# ---- network -----------------------------------------------------------------------------------

resource "aws_security_group" "worker" {
  name        = "${local.name_prefix}-usage-event-worker"
  description = "Entitlement ledger worker tasks"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.name_prefix}-usage-event-worker" }
}

# The tasks call AWS APIs over HTTPS (through NAT or VPC endpoints) and PostgreSQL, whose
# address may be outside this configuration (existing_database_url).
resource "aws_vpc_security_group_egress_rule" "worker_all" {
  security_group_id = aws_security_group.worker.id
  description       = "AWS APIs and PostgreSQL"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

# The API is reached only through the load balancer (alb.tf): the tasks admit nothing else, whatever
# api_ingress_cidr_blocks and api_ingress_security_group_ids say (those apply to the load balancer).
resource "aws_vpc_security_group_ingress_rule" "worker_from_alb" {
  security_group_id            = aws_security_group.worker.id
  description                  = "HTTP API from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

# ---- database ----------------------------------------------------------------------------------

module "postgres" {
  source = "../../modules/postgres"
  count  = local.create_database ? 1 : 0

  identifier                 = "${local.name_prefix}-usage-event-db"
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.private_subnet_ids
  allowed_security_group_ids = [aws_security_group.worker.id]
  engine_version             = var.database_engine_version
  instance_class             = var.database_instance_class
  allocated_storage_gb       = var.database_allocated_storage_gb
  max_allocated_storage_gb   = var.database_max_allocated_storage_gb
  database_name              = var.database_name
  master_username            = var.database_master_username
  multi_az                   = var.database_multi_az
  backup_retention_days      = var.database_backup_retention_days
  deletion_protection        = var.database_deletion_protection
}

# ---- worker ------------------------------------------------------------------------------------

module "worker" {
  source = "../../modules/ecs-worker"

  cluster_name     = "${local.name_prefix}-usage-event-service"
  service_name     = "${local.name_prefix}-usage-event-worker"
  role_name_prefix = "${local.name_prefix}-usage-event-worker"
  log_group_name   = "/ecs/${local.name_prefix}/usage-event-worker"

  image                             = var.image
  container_name                    = "ledger"
  container_port                    = local.container_port
  cpu                               = var.cpu
  memory                            = var.memory
  cpu_architecture                  = var.cpu_architecture
  desired_count                     = var.desired_count
  subnet_ids                        = var.private_subnet_ids
  security_group_ids                = [aws_security_group.worker.id]
  health_check_command              = var.health_check_command
  health_check_start_period_seconds = var.health_check_start_period_seconds
  log_retention_days                = var.log_retention_days

  environment    = local.worker_environment
  secrets        = local.worker_secrets
  init_container = local.database_bootstrap

  target_group_arn                  = local.api_target_group_arn
  health_check_grace_period_seconds = var.health_check_start_period_seconds + 60

  execution_secret_arns = distinct([local.database_admin_secret_arn, var.api_tokens_secret_arn])
  secrets_kms_key_arns  = var.secrets_kms_key_arns

  task_role_policy_json = data.aws_iam_policy_document.worker_task.json
}
