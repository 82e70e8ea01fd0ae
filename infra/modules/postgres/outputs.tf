output "address" {
  description = "Host name of the instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "jdbc_url" {
  description = "JDBC URL of the application database (no credentials)."
  value       = "jdbc:postgresql://${aws_db_instance.this.address}:${aws_db_instance.this.port}/${aws_db_instance.this.db_name}"
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret, managed by RDS, holding the JSON keys username and password."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the instance."
  value       = aws_security_group.this.id
}

output "instance_identifier" {
  description = "RDS instance identifier."
  value       = aws_db_instance.this.identifier
}

output "resource_id" {
  description = "DbiResourceId of the instance (db-...): the resource of rds-db:connect in an IAM policy."
  value       = aws_db_instance.this.resource_id
}
