# Operational alarms; they notify alarm_topic_arn (when set) on ALARM and on recovery. What each means and what to
# do: docs/deployment.md, "Alarms". Why they are built this way (rejections are not outages): adr/0018.

locals {
  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]

  # Above the longest time a business rejection can hold up the age of the oldest message, plus a margin: what
  # remains is a message nobody is consuming.
  oldest_message_age_alarm_seconds = local.rejection_retry_span_seconds + var.oldest_message_age_alarm_margin_seconds

  # 10 % of the storage allocated at creation, in bytes. Storage autoscaling grows the volume when free space falls
  # below 10 % of the current size; under the initial 10 % it has not (yet) helped, or it reached
  # database_max_allocated_storage_gb.
  database_free_storage_alarm_bytes = var.database_allocated_storage_gb * 1073741824 / 10
}

# ---- the queues ---------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "queue_oldest_message_age" {
  alarm_name          = "${local.name_prefix}-usage-event-queue-oldest-message-age"
  alarm_description   = "The oldest usage event on ${module.usage_event_queue.queue_name} has waited more than ${local.oldest_message_age_alarm_seconds} s, beyond the ${local.rejection_retry_span_seconds} s a business rejection can wait for its retry: the worker is down, failing, or cannot keep up (check tasks, logs and scaling)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = module.usage_event_queue.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.oldest_message_age_alarm_seconds
  # The workers poll all the time, so the queue is active and SQS keeps publishing; no data means no message.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# The worker moved malformed messages to the DLQ: a producer sends what the seed's contract does not allow.
resource "aws_cloudwatch_metric_alarm" "invalid_messages_dead_lettered" {
  alarm_name          = "${local.name_prefix}-usage-event-invalid-messages-dead-lettered"
  alarm_description   = "Invalid usage messages (malformed JSON, missing or bad fields) were moved to ${module.usage_event_queue.dlq_name}: a producer breaks the message contract. List them (GET /api/v1/admin/dead-letters), fix the producer, then discard or correct and resend."
  namespace           = "Ledger"
  metric_name         = "ledger.intake.dead.lettered.count"
  dimensions          = { kind = "invalid" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # A counter with nothing to count: nothing was dead-lettered.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# Business rejections (LIMIT_EXCEEDED, ENTITLEMENT_NOT_FOUND, ...) reach the DLQ after their last receive; a trickle
# is the normal life of usage over a limit, a flood means grants are missing or a limit is wrong.
resource "aws_cloudwatch_metric_alarm" "rejected_messages_dead_lettered" {
  alarm_name          = "${local.name_prefix}-usage-event-rejected-messages-dead-lettered"
  alarm_description   = "More than ${var.rejected_dead_letters_alarm_threshold} usage messages were dead-lettered after their last rejection within an hour: entitlements may be missing or inactive, or limits too low. List them (GET /api/v1/admin/dead-letters) and check their reasonCode; grant or fix, then redrive."
  namespace           = "Ledger"
  metric_name         = "ledger.intake.dead.lettered.count"
  dimensions          = { kind = "rejected" }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rejected_dead_letters_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Dead letters are for people to triage; untouched, the DLQ drops them 14 days after their first enqueue.
resource "aws_cloudwatch_metric_alarm" "dlq_oldest_message_age" {
  alarm_name          = "${local.name_prefix}-usage-event-dlq-oldest-message-age"
  alarm_description   = "A dead letter on ${module.usage_event_queue.dlq_name} has waited more than ${var.dlq_oldest_message_age_alarm_seconds} s; the DLQ deletes messages 14 days after they were first sent. Triage it: redrive or discard."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = module.usage_event_queue.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dlq_oldest_message_age_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ---- the ledger ---------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "projection_lag" {
  alarm_name        = "${local.name_prefix}-ledger-projection-lag"
  alarm_description = "The entitlement-table projection is more than ${var.projection_lag_alarm_threshold} events behind the event store: reads from ${module.entitlements_table.table_name} are stale (check DynamoDB throttling and the projection's errors)."
  namespace         = "Ledger"
  # Micrometer's CloudWatch registry publishes a gauge as <name>.value.
  metric_name         = "ledger.projection.lag.events.value"
  dimensions          = { processor = "entitlement-table" }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.projection_lag_alarm_threshold
  # "missing": a gap (a deployment, a task replaced) keeps the alarm where it is instead of clearing it, and a lag
  # that is never published at all shows as INSUFFICIENT_DATA rather than a reassuring OK. No running task is
  # worker_no_running_tasks' job, which alarms on missing data.
  treat_missing_data = "missing"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "worker_no_running_tasks" {
  alarm_name          = "${local.name_prefix}-usage-event-worker-no-running-tasks"
  alarm_description   = "No task of ${module.worker.service_name} is running: usage events are not consumed and the API is down (check the service's events and stopped tasks)."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = module.worker.cluster_name, ServiceName = module.worker.service_name }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  # Missing data counts as down: Container Insights may publish nothing for a service without tasks.
  treat_missing_data = "breaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "worker_cpu_high" {
  alarm_name          = "${local.name_prefix}-usage-event-worker-cpu-high"
  alarm_description   = "The tasks of ${module.worker.service_name} have used more than ${var.utilization_alarm_percent} % of their CPU for 10 minutes: autoscaling is at max_count (${var.max_count}), or the load is API traffic that queue-based scaling does not see. Raise max_count or cpu."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = { ClusterName = module.worker.cluster_name, ServiceName = module.worker.service_name }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.utilization_alarm_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "worker_memory_high" {
  alarm_name          = "${local.name_prefix}-usage-event-worker-memory-high"
  alarm_description   = "The tasks of ${module.worker.service_name} have used more than ${var.utilization_alarm_percent} % of their memory for 10 minutes (the heap is 75 % of it): look for out-of-memory restarts in the stopped tasks; raise memory."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = { ClusterName = module.worker.cluster_name, ServiceName = module.worker.service_name }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.utilization_alarm_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ---- the API ------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "api_load_balancer_5xx" {
  alarm_name          = "${local.name_prefix}-usage-event-api-load-balancer-5xx"
  alarm_description   = "The API load balancer answered 5xx itself (502/503: no healthy task, 504: a task did not answer in time) in 3 of the last 5 minutes. Check the target group's health and the tasks."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  dimensions          = { LoadBalancer = aws_lb.api.arn_suffix }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # The load balancer publishes a count only when there is something to count.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_unhealthy_targets" {
  alarm_name          = "${local.name_prefix}-usage-event-api-unhealthy-targets"
  alarm_description   = "A task of ${module.worker.service_name} has failed the readiness check (/actuator/health/readiness) for 3 minutes: it gets no API requests. Check its health details and logs."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = aws_lb.api.arn_suffix, TargetGroup = aws_lb_target_group.api.arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ---- the entitlements table ---------------------------------------------------------------------------------------

# ThrottledRequests carries an Operation dimension as well; the read and write throttle events are per table.
resource "aws_cloudwatch_metric_alarm" "table_read_throttles" {
  alarm_name          = "${local.name_prefix}-entitlements-table-read-throttles"
  alarm_description   = "Reads of ${module.entitlements_table.table_name} have been throttled for 10 minutes (the state API, drift, the import): the table, shared with access-service, is at its read limit."
  namespace           = "AWS/DynamoDB"
  metric_name         = "ReadThrottleEvents"
  dimensions          = { TableName = module.entitlements_table.table_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "table_write_throttles" {
  alarm_name          = "${local.name_prefix}-entitlements-table-write-throttles"
  alarm_description   = "Writes to ${module.entitlements_table.table_name} have been throttled for 10 minutes: the projection retries, so it falls behind (see the projection-lag alarm); a rebuild or import writes fastest and throttles first."
  namespace           = "AWS/DynamoDB"
  metric_name         = "WriteThrottleEvents"
  dimensions          = { TableName = module.entitlements_table.table_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ---- the database (only when it is created here) ------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "database_cpu_high" {
  count = local.create_database ? 1 : 0

  alarm_name          = "${local.name_prefix}-usage-event-db-cpu-high"
  alarm_description   = "The database ${module.postgres[0].instance_identifier} has used more than ${var.utilization_alarm_percent} % CPU for 10 minutes: every command, projection and export waits on it. Check Performance Insights; raise database_instance_class."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = module.postgres[0].instance_identifier }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.utilization_alarm_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "database_free_storage_low" {
  count = local.create_database ? 1 : 0

  alarm_name          = "${local.name_prefix}-usage-event-db-free-storage-low"
  alarm_description   = "The database ${module.postgres[0].instance_identifier} has less than ${local.database_free_storage_alarm_bytes} bytes (10 % of its initial ${var.database_allocated_storage_gb} GiB) free for 15 minutes: storage autoscaling has reached database_max_allocated_storage_gb or waits out its cooldown. The event store only grows: raise the limit."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = module.postgres[0].instance_identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "LessThanThreshold"
  threshold           = local.database_free_storage_alarm_bytes
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "database_connections_high" {
  count = local.create_database ? 1 : 0

  alarm_name          = "${local.name_prefix}-usage-event-db-connections-high"
  alarm_description   = "The database ${module.postgres[0].instance_identifier} has had more than ${var.database_connections_alarm_threshold} connections for 5 minutes, close to its max_connections: new tasks or jobs may fail to connect. Lower DB_POOL_SIZE or max_count, or raise database_instance_class."
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = { DBInstanceIdentifier = module.postgres[0].instance_identifier }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.database_connections_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ---- the admin audit trail -----------------------------------------------------------------------------------------

# An admin request was answered but its audit row could not be written (adr/0021): the row is in the service's log on
# the ledger.audit logger at ERROR; copy it into admin_audit once the database is healthy.
resource "aws_cloudwatch_metric_alarm" "audit_write_failures" {
  alarm_name          = "${local.name_prefix}-usage-event-audit-write-failures"
  alarm_description   = "Admin requests were answered without their audit row (admin_audit) being written. Each one is logged in full at ERROR on the ledger.audit logger: check the database, then copy those rows into admin_audit so the trail is complete."
  namespace           = "Ledger"
  metric_name         = "ledger.audit.failures.count"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # A counter with nothing to count: every audit row was written.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}
