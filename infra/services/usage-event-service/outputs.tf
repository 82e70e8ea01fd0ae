# ---- queue contract (seed: usage-events-sqs.md) -------------------------------------------------

output "usage_event_queue_url" {
  description = "URL of the usage event queue; producers send here (for example as USAGE_EVENT_QUEUE_URL)."
  value       = module.usage_event_queue.queue_url
}

output "usage_event_queue_arn" {
  description = "ARN of the usage event queue."
  value       = module.usage_event_queue.queue_arn
}

output "usage_event_queue_name" {
  description = "Name of the usage event queue: {project_name}-{environment}-usage-event-queue."
  value       = module.usage_event_queue.queue_name
}

output "usage_event_dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.usage_event_queue.dlq_url
}

output "usage_event_dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.usage_event_queue.dlq_arn
}

output "usage_event_dlq_name" {
  description = "Name of the dead-letter queue: {project_name}-{environment}-usage-event-dlq."
  value       = module.usage_event_queue.dlq_name
}

output "usage_event_queue_visibility_timeout_seconds" {
  description = "Visibility timeout of the usage event queue (6 x worker_processing_timeout_seconds)."
  value       = local.visibility_timeout_seconds
}

output "producer_policy_json" {
  description = "IAM policy granting sqs:SendMessage on the usage event queue; attach it to a producer's role."
  value       = data.aws_iam_policy_document.producer.json
}

# ---- table and database ------------------------------------------------------------------------

output "entitlements_table_name" {
  description = "Name of the entitlements DynamoDB table (created or existing)."
  value       = module.entitlements_table.table_name
}

output "entitlements_table_arn" {
  description = "ARN of the entitlements DynamoDB table."
  value       = module.entitlements_table.table_arn
}

output "entitlements_table_created" {
  description = "True when this configuration created the table, false when it uses existing_entitlements_table_name."
  value       = module.entitlements_table.created
}

output "database_jdbc_url" {
  description = "JDBC URL the worker uses (SPRING_DATASOURCE_URL); carries no credentials."
  value       = local.database_url
}

output "database_secret_arn" {
  description = "Secrets Manager secret with the database admin username and password (RDS-managed, or existing_database_secret_arn); read only by the db-bootstrap container."
  value       = local.database_admin_secret_arn
}

output "database_app_username" {
  description = "Database user of the ledger; it logs in with an IAM token (rds-db:connect), never a password."
  value       = var.database_app_username
}

output "database_resource_id" {
  description = "RDS resource ID (db-...) named in the task role's rds-db:connect."
  value       = local.database_resource_id
}

output "database_instance_identifier" {
  description = "Identifier of the RDS instance, or null when an existing database is used."
  value       = local.create_database ? module.postgres[0].instance_identifier : null
}

# ---- worker ------------------------------------------------------------------------------------

output "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.worker.cluster_name
}

output "ecs_service_name" {
  description = "Name of the ECS service running the worker."
  value       = module.worker.service_name
}

output "worker_task_role_arn" {
  description = "ARN of the worker's task role (its least-privilege application permissions)."
  value       = module.worker.task_role_arn
}

output "worker_execution_role_arn" {
  description = "ARN of the worker's task execution role (image pull, logs, its secrets)."
  value       = module.worker.execution_role_arn
}

output "worker_security_group_id" {
  description = "Security group of the worker tasks; an existing database must admit it on 5432."
  value       = aws_security_group.worker.id
}

output "worker_subnet_ids" {
  description = "Subnets of the worker tasks, for one-off tasks (aws ecs run-task) from the worker's task definition."
  value       = var.private_subnet_ids
}

output "worker_log_group_name" {
  description = "CloudWatch log group of the worker."
  value       = module.worker.log_group_name
}

output "api_base_url" {
  description = "Base URL of the HTTP API through the internal load balancer: https://<api_domain_name or the load balancer's DNS name>, or http://... with allow_plain_http and no certificate."
  value       = local.api_base_url
}

output "api_load_balancer_dns_name" {
  description = "DNS name of the internal load balancer; point api_domain_name's record (an alias) at it."
  value       = aws_lb.api.dns_name
}

output "api_load_balancer_security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "alarm_names" {
  description = "Names of the operational CloudWatch alarms (the database ones only when the database is created here)."
  value = merge(
    {
      queue_oldest_message_age        = aws_cloudwatch_metric_alarm.queue_oldest_message_age.alarm_name
      invalid_messages_dead_lettered  = aws_cloudwatch_metric_alarm.invalid_messages_dead_lettered.alarm_name
      rejected_messages_dead_lettered = aws_cloudwatch_metric_alarm.rejected_messages_dead_lettered.alarm_name
      dlq_oldest_message_age          = aws_cloudwatch_metric_alarm.dlq_oldest_message_age.alarm_name
      projection_lag                  = aws_cloudwatch_metric_alarm.projection_lag.alarm_name
      worker_no_running_tasks         = aws_cloudwatch_metric_alarm.worker_no_running_tasks.alarm_name
      worker_cpu_high                 = aws_cloudwatch_metric_alarm.worker_cpu_high.alarm_name
      worker_memory_high              = aws_cloudwatch_metric_alarm.worker_memory_high.alarm_name
      api_load_balancer_5xx           = aws_cloudwatch_metric_alarm.api_load_balancer_5xx.alarm_name
      api_unhealthy_targets           = aws_cloudwatch_metric_alarm.api_unhealthy_targets.alarm_name
      table_read_throttles            = aws_cloudwatch_metric_alarm.table_read_throttles.alarm_name
      table_write_throttles           = aws_cloudwatch_metric_alarm.table_write_throttles.alarm_name
      audit_write_failures            = aws_cloudwatch_metric_alarm.audit_write_failures.alarm_name
    },
    local.create_database ? {
      database_cpu_high         = aws_cloudwatch_metric_alarm.database_cpu_high[0].alarm_name
      database_free_storage_low = aws_cloudwatch_metric_alarm.database_free_storage_low[0].alarm_name
      database_connections_high = aws_cloudwatch_metric_alarm.database_connections_high[0].alarm_name
    } : {}
  )
}
