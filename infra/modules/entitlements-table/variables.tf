variable "table_name" {
  description = "Name of the table to create. Ignored when existing_table_name is set."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "existing_table_name" {
  description = "Name of an existing entitlements table (shared with another service) to use instead of creating one. null: create table_name."
  type        = string
  default     = null

  validation {
    condition     = var.existing_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.existing_table_name))
    error_message = "existing_table_name must be null or 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "tags" {
  description = "Tags added to a created table (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
