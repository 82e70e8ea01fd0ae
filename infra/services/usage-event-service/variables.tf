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
  description = "JDBC URL (jdbc:postgresql://host:port/dbname, no credentials) of an existing PostgreSQL database. null: create an RDS PostgreSQL 16 instance. Set together with existing_database_secret_arn."
  type        = string
  default     = null

  validation {
    condition = var.existing_database_url == null || (
      can(regex("^jdbc:postgresql://[^/@\\s]+(:[0-9]+)?/[^\\s]+$", var.existing_database_url)) &&
      !can(regex("(?i)(password|user)=", var.existing_database_url))
    )
    error_message = "existing_database_url must look like jdbc:postgresql://host:port/dbname and carry no user or password (they come from existing_database_secret_arn)."
  }
}

variable "existing_database_secret_arn" {
  description = "Full ARN of the Secrets Manager secret of the existing database: a JSON object with the keys username and password. Set together with existing_database_url."
  type        = string
  default     = null

  validation {
    condition     = var.existing_database_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.existing_database_secret_arn))
    error_message = "existing_database_secret_arn must be null or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>)."
  }
}

variable "database_name" {
  description = "Name of the database created in the RDS instance."
  type        = string
  default     = "ledger"
}

variable "database_master_username" {
  description = "Master user of the RDS instance. RDS generates its password and keeps both in Secrets Manager."
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
  description = "Protect the RDS instance from deletion. The event store is the system of record; turn this off only to tear down a throwaway environment."
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

variable "api_ingress_cidr_blocks" {
  description = "CIDR blocks admitted to the HTTP API on port 8080. Empty: none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.api_ingress_cidr_blocks : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "api_ingress_cidr_blocks must be valid CIDR blocks, and not 0.0.0.0/0."
  }
}

variable "api_ingress_security_group_ids" {
  description = "Security groups (for example a load balancer's) admitted to the HTTP API on port 8080. Empty: none."
  type        = list(string)
  default     = []
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

variable "scale_out_queue_depth" {
  description = "Visible messages on the main queue at which a task is added (3 are added at 5 times this)."
  type        = number
  default     = 100

  validation {
    condition     = var.scale_out_queue_depth >= 1
    error_message = "scale_out_queue_depth must be at least 1."
  }
}

variable "scale_in_queue_depth" {
  description = "Visible messages on the main queue below which, for 10 minutes, a task is removed. Below scale_out_queue_depth."
  type        = number
  default     = 10

  validation {
    condition     = var.scale_in_queue_depth >= 1
    error_message = "scale_in_queue_depth must be at least 1 (the alarm compares with LessThanThreshold)."
  }
}

variable "scale_out_oldest_message_age_seconds" {
  description = "Age of the oldest message on the main queue at which a task is added (2 are added at 5 times this)."
  type        = number
  default     = 120

  validation {
    condition     = var.scale_out_oldest_message_age_seconds >= 1
    error_message = "scale_out_oldest_message_age_seconds must be at least 1."
  }
}

variable "scale_out_cooldown_seconds" {
  description = "Cooldown after a scale-out step."
  type        = number
  default     = 60
}

variable "scale_in_cooldown_seconds" {
  description = "Cooldown after a scale-in step."
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

variable "oldest_message_age_alarm_seconds" {
  description = "Alarm when the oldest message on the main queue is older than this, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.oldest_message_age_alarm_seconds >= 60
    error_message = "oldest_message_age_alarm_seconds must be at least 60."
  }
}

variable "projection_lag_alarm_threshold" {
  description = "Alarm when the entitlement-table projection lags more than this many events (metric Ledger / ledger.projection.lag.events, processor = entitlement-table)."
  type        = number
  default     = 1000

  validation {
    condition     = var.projection_lag_alarm_threshold >= 0
    error_message = "projection_lag_alarm_threshold must not be negative."
  }
}
