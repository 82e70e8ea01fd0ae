# ---- identity and placement ---------------------------------------------------------------------

variable "project_name" {
  description = "Project name; the first part of every resource name ({project_name}-{environment}-...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.project_name)) && length(var.project_name) >= 2 && length(var.project_name) <= 16
    error_message = "project_name must be 2-16 characters: lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "environment" {
  description = "Environment name, for example dev, staging or prod; the second part of every resource name and the state key tf-infra/{environment}.tfstate."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.environment)) && length(var.environment) >= 2 && length(var.environment) <= 16
    error_message = "environment must be 2-16 characters: lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "aws_region" {
  description = "AWS region of all resources."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as us-east-1."
  }
}

variable "tags" {
  description = "Extra tags for every resource (default_tags). Project, Environment, Service and ManagedBy are always set."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the worker tasks and the database."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the worker tasks and of the DB subnet group (at least two, in different availability zones, when the database is created). They need a NAT gateway or VPC endpoints for ECR, CloudWatch Logs, Secrets Manager, SQS and DynamoDB."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1 && alltrue([for id in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "private_subnet_ids must hold at least one subnet ID (subnet-...)."
  }
}

# ---- queues ------------------------------------------------------------------------------------

variable "worker_processing_timeout_seconds" {
  description = "Longest time the worker may spend on one message. The main queue's visibility timeout is 6 times this."
  type        = number
  default     = 30

  validation {
    condition     = var.worker_processing_timeout_seconds >= 1 && var.worker_processing_timeout_seconds <= 7200 && floor(var.worker_processing_timeout_seconds) == var.worker_processing_timeout_seconds
    error_message = "worker_processing_timeout_seconds must be a whole number from 1 to 7200, so that 6 times it fits the SQS maximum visibility timeout of 43200 s."
  }
}

variable "max_receive_count" {
  description = "Receives of one message on the main queue before SQS moves it to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "queue_message_retention_seconds" {
  description = "Retention of the main queue (default 4 days). The DLQ keeps messages 14 days, counted from their first enqueue, so this stays below that."
  type        = number
  default     = 345600

  validation {
    condition     = var.queue_message_retention_seconds >= 60 && var.queue_message_retention_seconds < 1209600
    error_message = "queue_message_retention_seconds must be from 60 to 1209599, below the DLQ's 14-day retention."
  }
}

# ---- entitlements table ------------------------------------------------------------------------

variable "existing_entitlements_table_name" {
  description = "Name of an existing entitlements table (shared with another service) to use. null: create {project_name}-{environment}-entitlements."
  type        = string
  default     = null

  validation {
    condition     = var.existing_entitlements_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.existing_entitlements_table_name))
    error_message = "existing_entitlements_table_name must be null or a DynamoDB table name (3-255 characters of letters, digits, '_', '-', '.')."
  }
}

# ---- database ----------------------------------------------------------------------------------

variable "existing_database_url" {
  description = "JDBC URL (jdbc:postgresql://host:port/dbname, no credentials) of an existing PostgreSQL database with IAM database authentication enabled. null: create an RDS PostgreSQL 16 instance. Set together with existing_database_secret_arn and existing_database_resource_id. sslmode=require is appended unless the URL names an sslmode."
  type        = string
  default     = null

  validation {
    condition = var.existing_database_url == null || (
      can(regex("^jdbc:postgresql://[^/@\\s]+(:[0-9]+)?/[^\\s]+$", var.existing_database_url)) &&
      !can(regex("(?i)(password|user)=", var.existing_database_url))
    )
    error_message = "existing_database_url must look like jdbc:postgresql://host:port/dbname and carry no user or password (the application logs in as database_app_username with an IAM token)."
  }
}

variable "existing_database_secret_arn" {
  description = "Full ARN of the Secrets Manager secret with the existing database's admin credentials (a JSON object with the keys username and password), used only by the db-bootstrap container to create and grant database_app_username. Set together with existing_database_url."
  type        = string
  default     = null

  validation {
    condition     = var.existing_database_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.existing_database_secret_arn))
    error_message = "existing_database_secret_arn must be null or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>)."
  }
}

variable "existing_database_resource_id" {
  description = "DbiResourceId (db-...) of the existing database's RDS instance: the resource of the task role's rds-db:connect. Set together with existing_database_url."
  type        = string
  default     = null

  validation {
    condition     = var.existing_database_resource_id == null || can(regex("^(db|cluster)-[A-Z0-9]+$", var.existing_database_resource_id))
    error_message = "existing_database_resource_id must be null or an RDS resource ID (db-ABCDEFGHIJKLMNOPQRSTUVWXYZ, or cluster-... for Aurora)."
  }
}

variable "database_app_username" {
  description = "Database user the ledger logs in as, with IAM database authentication (no password). The db-bootstrap container creates it, grants it rds_iam and makes it owner of the schema."
  type        = string
  default     = "ledger_app"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_app_username)) && !contains(["postgres", "rdsadmin"], var.database_app_username)
    error_message = "database_app_username must be a lowercase PostgreSQL identifier (letters, digits, '_', at most 63 characters) other than postgres or rdsadmin."
  }
}

variable "database_name" {
  description = "Name of the database created in the RDS instance."
  type        = string
  default     = "ledger"
}

variable "database_master_username" {
  description = "Master user of the RDS instance. RDS generates its password and keeps both in Secrets Manager; only the db-bootstrap container logs in as it."
  type        = string
  default     = "ledger_admin"
}

variable "database_engine_version" {
  description = "PostgreSQL version of the RDS instance: \"16\" (RDS picks the minor version) or \"16.x\"."
  type        = string
  default     = "16"
}

variable "database_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.small"
}

variable "database_allocated_storage_gb" {
  description = "Initial storage of the RDS instance, in GiB."
  type        = number
  default     = 20
}

variable "database_max_allocated_storage_gb" {
  description = "Storage autoscaling limit of the RDS instance, in GiB."
  type        = number
  default     = 100
}

variable "database_multi_az" {
  description = "Run the RDS instance with a standby in a second availability zone (recommended for prod)."
  type        = bool
  default     = false
}

variable "database_backup_retention_days" {
  description = "Days of automated RDS backups."
  type        = number
  default     = 7
}

variable "database_deletion_protection" {
  description = "Protect the RDS instance from deletion. The event store is the system of record; turn this off only to tear down a throwaway environment. A final snapshot <identifier>-final-<creation time> is always taken."
  type        = bool
  default     = true
}

# ---- worker ------------------------------------------------------------------------------------

variable "image" {
  description = "Container image of the entitlement ledger, pinned by tag or digest."
  type        = string

  validation {
    condition     = length(trimspace(var.image)) > 0 && !endswith(var.image, ":latest")
    error_message = "image must be set and pinned to a version tag or digest, not :latest."
  }
}

variable "cpu" {
  description = "Fargate CPU units of one task (256, 512, 1024, 2048, 4096, 8192, 16384)."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Memory of one task, in MiB; must be a valid Fargate combination with cpu."
  type        = number
  default     = 2048
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: X86_64 or ARM64."
  type        = string
  default     = "X86_64"
}

variable "desired_count" {
  description = "Number of tasks at the first deployment; autoscaling owns it afterwards. Between min_count and max_count."
  type        = number
  default     = 1
}

variable "min_count" {
  description = "Fewest tasks autoscaling keeps. At least 1: the HTTP API must stay up, and the no-running-tasks alarm fires at 0."
  type        = number
  default     = 1

  validation {
    condition     = var.min_count >= 1 && floor(var.min_count) == var.min_count
    error_message = "min_count must be a whole number of at least 1."
  }
}

variable "max_count" {
  description = "Most tasks autoscaling starts."
  type        = number
  default     = 4

  validation {
    condition     = var.max_count >= 1 && floor(var.max_count) == var.max_count
    error_message = "max_count must be a whole number of at least 1."
  }
}

variable "health_check_command" {
  description = "Container health check, in ECS form. The default needs curl in the image."
  type        = list(string)
  default     = ["CMD-SHELL", "curl -fsS http://localhost:8080/actuator/health || exit 1"]

  validation {
    condition     = length(var.health_check_command) >= 2 && contains(["CMD", "CMD-SHELL"], var.health_check_command[0])
    error_message = "health_check_command must start with \"CMD\" or \"CMD-SHELL\" followed by the command."
  }
}

variable "health_check_start_period_seconds" {
  description = "Grace period after start (Flyway migrations, Axon start-up) before failed health checks count."
  type        = number
  default     = 120
}

variable "log_retention_days" {
  description = "Retention of the worker's CloudWatch logs, in days."
  type        = number
  default     = 30
}

# ---- load balancer -----------------------------------------------------------------------------

variable "alb_subnet_ids" {
  description = "Subnets of the internal load balancer: at least two, in different availability zones. null: private_subnet_ids."
  type        = list(string)
  default     = null

  validation {
    condition     = var.alb_subnet_ids == null || alltrue([for id in coalesce(var.alb_subnet_ids, []) : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "alb_subnet_ids must be null or subnet IDs (subnet-...)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (443). Required unless allow_plain_http; it should cover api_domain_name when that is set."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be null or an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "allow_plain_http" {
  description = "Also listen on plain HTTP (80). Bearer tokens then cross the network in clear: only for a throwaway environment without a certificate."
  type        = bool
  default     = false
}

variable "api_domain_name" {
  description = "DNS name of the API (for example ledger-api.dev.internal.example.com) whose record points at the load balancer; used in api_base_url instead of the load balancer's own name. The record is not created here."
  type        = string
  default     = null

  validation {
    condition     = var.api_domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", coalesce(var.api_domain_name, "-")))
    error_message = "api_domain_name must be null or a lowercase DNS name."
  }
}

variable "api_ingress_cidr_blocks" {
  description = "CIDR blocks admitted to the load balancer on 443 (and 80 with allow_plain_http). Empty: none. The tasks admit only the load balancer."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.api_ingress_cidr_blocks : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "api_ingress_cidr_blocks must be valid CIDR blocks, and not 0.0.0.0/0."
  }
}

variable "api_ingress_security_group_ids" {
  description = "Security groups (for example a client service's) admitted to the load balancer on 443 (and 80 with allow_plain_http). Empty: none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.api_ingress_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "api_ingress_security_group_ids must hold security group IDs (sg-...)."
  }
}

# ---- secrets -----------------------------------------------------------------------------------

variable "api_tokens_secret_arn" {
  description = "Full ARN of the Secrets Manager secret holding the API bearer tokens: a JSON list of {\"name\", \"role\", \"sha256\"}. Reaches the container as LEDGER_SECURITY_TOKENS_JSON."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.api_tokens_secret_arn))
    error_message = "api_tokens_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>)."
  }
}

variable "secrets_kms_key_arns" {
  description = "Customer managed KMS keys that encrypt the API tokens or existing database secret, if any; the execution role may decrypt with them through Secrets Manager only. Empty when the secrets use aws/secretsmanager."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.secrets_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "secrets_kms_key_arns must hold KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

# ---- scaling -----------------------------------------------------------------------------------

variable "target_visible_messages_per_task" {
  description = "Target tracking: visible messages on the main queue per running task that autoscaling holds. Rejected messages waiting for their retry are in flight, not visible, so they do not count (adr/0018)."
  type        = number
  default     = 100

  validation {
    condition     = var.target_visible_messages_per_task >= 1
    error_message = "target_visible_messages_per_task must be at least 1."
  }
}

variable "scale_out_cooldown_seconds" {
  description = "Target tracking: seconds after a scale-out before another scale-out counts the new tasks as settled."
  type        = number
  default     = 60
}

variable "scale_in_cooldown_seconds" {
  description = "Target tracking: seconds after a scale-in before the next scale-in."
  type        = number
  default     = 300
}

# ---- alarms ------------------------------------------------------------------------------------

variable "alarm_topic_arn" {
  description = "SNS topic notified when an operational alarm fires or recovers. null: alarms change state without notifying."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be null or an SNS topic ARN."
  }
}

variable "oldest_message_age_alarm_margin_seconds" {
  description = "The oldest-message alarm fires above the rejection retry span (min(max_receive_count, 3) x the visibility timeout: 540 s by default) plus this margin, so that business rejections waiting for their retry never trip it (adr/0018)."
  type        = number
  default     = 300

  validation {
    condition     = var.oldest_message_age_alarm_margin_seconds >= 60
    error_message = "oldest_message_age_alarm_margin_seconds must be at least 60 (SQS metrics are one-minute values)."
  }
}

variable "rejected_dead_letters_alarm_threshold" {
  description = "Alarm when more messages than this were dead-lettered after their last rejection (kind = rejected) within one hour. A trickle of business rejections is normal."
  type        = number
  default     = 100

  validation {
    condition     = var.rejected_dead_letters_alarm_threshold >= 0
    error_message = "rejected_dead_letters_alarm_threshold must not be negative."
  }
}

variable "dlq_oldest_message_age_alarm_seconds" {
  description = "Alarm when a dead letter has waited longer than this (default 3 days); the DLQ drops messages 14 days after their first enqueue."
  type        = number
  default     = 259200

  validation {
    condition     = var.dlq_oldest_message_age_alarm_seconds >= 3600 && var.dlq_oldest_message_age_alarm_seconds < 1209600
    error_message = "dlq_oldest_message_age_alarm_seconds must be from 3600 (1 hour) to 1209599, below the DLQ's 14-day retention."
  }
}

variable "utilization_alarm_percent" {
  description = "Alarm when the service's average CPU or memory, or the database's CPU, stays above this percentage for 10 minutes."
  type        = number
  default     = 85

  validation {
    condition     = var.utilization_alarm_percent > 0 && var.utilization_alarm_percent <= 100
    error_message = "utilization_alarm_percent must be from 1 to 100."
  }
}

variable "database_connections_alarm_threshold" {
  description = "Alarm when the created database has more connections than this for 5 minutes. The default is about 80 % of max_connections of a db.t4g.small (about 225, from 2 GiB of memory); each task opens up to DB_POOL_SIZE (20)."
  type        = number
  default     = 180

  validation {
    condition     = var.database_connections_alarm_threshold >= 1
    error_message = "database_connections_alarm_threshold must be at least 1."
  }
}

variable "projection_lag_alarm_threshold" {
  description = "Alarm when the entitlement-table projection lags more than this many events (metric Ledger / ledger.projection.lag.events.value, processor = entitlement-table)."
  type        = number
  default     = 1000

  validation {
    condition     = var.projection_lag_alarm_threshold >= 0
    error_message = "projection_lag_alarm_threshold must not be negative."
  }
}
