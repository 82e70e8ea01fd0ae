output "created" {
  description = "True when this module created the table, false when it uses an existing one."
  value       = local.create
}

output "table_name" {
  description = "Name of the entitlements table."
  value       = local.create ? aws_dynamodb_table.this[0].name : data.aws_dynamodb_table.existing[0].name
}

output "table_arn" {
  description = "ARN of the entitlements table."
  value       = local.create ? aws_dynamodb_table.this[0].arn : data.aws_dynamodb_table.existing[0].arn
}
