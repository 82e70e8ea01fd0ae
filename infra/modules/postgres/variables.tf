variable "identifier" {
  description = "RDS instance identifier; also the name prefix of the subnet group and security group."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.identifier)) && length(var.identifier) <= 50
    error_message = "identifier must start with a lowercase letter, contain lowercase letters, digits and single hyphens, not end with a hyphen, and be at most 50 characters."
  }
}

variable "vpc_id" {
  description = "VPC of the database security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the DB subnet group (at least two, in different availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs at least two subnets in different availability zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups admitted on the PostgreSQL port. Nothing else is admitted."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL engine version. A major version (\"16\") lets RDS pick the default minor version."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^16(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 16, for example \"16\" or \"16.4\"."
  }
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.small"
}

variable "allocated_storage_gb" {
  description = "Initial storage, in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage_gb >= 20
    error_message = "allocated_storage_gb must be at least 20 (gp3 minimum)."
  }
}

variable "max_allocated_storage_gb" {
  description = "Upper bound for storage autoscaling, in GiB. Must be at least allocated_storage_gb."
  type        = number
  default     = 100
}

variable "database_name" {
  description = "Name of the database created in the instance."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter and contain only letters, digits and '_' (at most 63 characters)."
  }
}

variable "master_username" {
  description = "Master user name. Its password is generated and kept by RDS in Secrets Manager."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.master_username)) && lower(var.master_username) != "rdsadmin"
    error_message = "master_username must start with a letter, contain only letters, digits and '_', and not be the reserved name rdsadmin."
  }
}

variable "multi_az" {
  description = "Run a standby in a second availability zone."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time restore window)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35; the event store is the system of record, so backups stay on."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance until this is turned off."
  type        = bool
  default     = true
}

variable "kms_key_id" {
  description = "KMS key ARN for storage encryption. null: the AWS managed key aws/rds."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the database resources (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
