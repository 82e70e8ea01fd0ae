variable "cluster_name" {
  description = "Name of the ECS cluster created for the worker (Container Insights enabled)."
  type        = string
}

variable "service_name" {
  description = "Name of the ECS service; also the task definition family."
  type        = string
}

variable "role_name_prefix" {
  description = "Prefix of the IAM role names: <prefix>-task and <prefix>-execution."
  type        = string

  validation {
    condition     = length(var.role_name_prefix) <= 54
    error_message = "role_name_prefix must be at most 54 characters so that the role names fit IAM's 64-character limit."
  }
}

variable "log_group_name" {
  description = "Name of the CloudWatch log group of the container."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the container logs, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "image" {
  description = "Container image. For an ECR image (<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]) the execution role may pull from that repository only."
  type        = string
}

variable "container_name" {
  description = "Name of the container in the task definition."
  type        = string
  default     = "worker"
}

variable "container_port" {
  description = "TCP port the container listens on."
  type        = number
  default     = 8080
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Fargate task memory, in MiB; must be a valid combination with cpu."
  type        = number
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: X86_64 or ARM64."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Initial number of tasks. Afterwards Application Auto Scaling owns the count (changes to it are ignored)."
  type        = number
}

variable "subnet_ids" {
  description = "Private subnets of the tasks. They need a route to ECR, CloudWatch Logs, Secrets Manager, SQS and DynamoDB (NAT gateway or VPC endpoints)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks."
  type        = list(string)
}

variable "environment" {
  description = "Plain environment variables of the container. Credentials never go here; use secrets."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variables of the container filled by ECS from Secrets Manager: name => valueFrom (a secret ARN, optionally with :json-key:: appended)."
  type        = map(string)
  default     = {}
}

variable "init_container" {
  description = "A container of the same image that runs to completion before the application container starts, in every task: name, command, plain environment and secrets (same rules as environment and secrets). null: none."
  type = object({
    name        = string
    command     = list(string)
    environment = optional(map(string), {})
    secrets     = optional(map(string), {})
  })
  default = null

  validation {
    condition     = var.init_container == null || try(can(regex("^[A-Za-z0-9_-]{1,255}$", var.init_container.name)) && length(var.init_container.command) > 0, false)
    error_message = "init_container needs a name of letters, digits, '-' and '_' and a non-empty command."
  }
}

variable "target_group_arn" {
  description = "Load balancer target group (target type ip) that the service registers its tasks in, on container_port. null: no load balancer."
  type        = string
  default     = null
}

variable "health_check_grace_period_seconds" {
  description = "With a target group: seconds after a task starts during which failed load balancer health checks are ignored."
  type        = number
  default     = 180

  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 2147483647
    error_message = "health_check_grace_period_seconds must not be negative."
  }
}

variable "execution_secret_arns" {
  description = "Secrets Manager secret ARNs (full ARNs, without JSON-key suffixes) the execution role may read to fill the secrets."
  type        = list(string)
  default     = []
}

variable "secrets_kms_key_arns" {
  description = "Customer managed KMS keys that encrypt those secrets. Empty when they use the AWS managed key aws/secretsmanager."
  type        = list(string)
  default     = []
}

variable "task_role_policy_json" {
  description = "IAM policy document of the task role: everything the application itself may call."
  type        = string
}

variable "health_check_command" {
  description = "Container health check command, in ECS form (\"CMD-SHELL\", \"...\")."
  type        = list(string)
}

variable "health_check_start_period_seconds" {
  description = "Grace period before failed health checks count."
  type        = number
  default     = 120

  validation {
    condition     = var.health_check_start_period_seconds >= 0 && var.health_check_start_period_seconds <= 300
    error_message = "health_check_start_period_seconds must be between 0 and 300."
  }
}

variable "stop_timeout_seconds" {
  description = "Time between SIGTERM and SIGKILL, for the graceful shutdown of in-flight messages."
  type        = number
  default     = 60

  validation {
    condition     = var.stop_timeout_seconds >= 2 && var.stop_timeout_seconds <= 120
    error_message = "stop_timeout_seconds must be between 2 and 120 (the Fargate maximum)."
  }
}

variable "tags" {
  description = "Tags added to the worker's resources (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
