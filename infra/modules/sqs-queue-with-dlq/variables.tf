variable "queue_name" {
  description = "Name of the main (source) queue."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.queue_name))
    error_message = "queue_name must be 1-80 characters of letters, digits, '-' or '_' (standard queue)."
  }
}

variable "dlq_name" {
  description = "Name of the dead-letter queue that receives messages after max_receive_count failed receives."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be 1-80 characters of letters, digits, '-' or '_' (standard queue)."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the main queue. Size it to a multiple of the consumer's processing timeout."
  type        = number

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds
    error_message = "visibility_timeout_seconds must be a whole number between 0 and 43200 (12 hours, the SQS maximum)."
  }
}

variable "max_receive_count" {
  description = "Receives of one message on the main queue before SQS moves it to the dead-letter queue."
  type        = number

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "Retention of the main queue, in seconds."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "Retention of the dead-letter queue, in seconds. SQS counts a dead-lettered message's age from its original enqueue time, so keep this longer than the main queue's retention."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "receive_wait_time_seconds" {
  description = "Long-polling wait of the main queue, in seconds."
  type        = number
  default     = 20

  validation {
    condition     = var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20
    error_message = "receive_wait_time_seconds must be between 0 and 20."
  }
}

variable "sender_principal_arns" {
  description = "AWS principals the main queue's resource policy allows to call sqs:SendMessage (for example an account root ARN, which delegates to that account's IAM policies). Empty: no queue policy is attached."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to both queues (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
