# Operational alarms; they notify alarm_topic_arn (when set) on ALARM and on recovery.

locals {
  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${local.name_prefix}-usage-event-dlq-not-empty"
  alarm_description   = "Messages are waiting on the dead-letter queue ${module.usage_event_queue.dlq_name}: usage events failed ${var.max_receive_count} times. Inspect them through the dead-letter admin API, fix the cause, then redrive or discard."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = module.usage_event_queue.dlq_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "queue_oldest_message_age" {
  alarm_name          = "${local.name_prefix}-usage-event-queue-oldest-message-age"
  alarm_description   = "The oldest usage event on ${module.usage_event_queue.queue_name} has waited more than ${var.oldest_message_age_alarm_seconds} s: the worker is down, failing, or cannot keep up (check tasks, logs and scaling)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = module.usage_event_queue.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_age_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "projection_lag" {
  alarm_name          = "${local.name_prefix}-ledger-projection-lag"
  alarm_description   = "The entitlement-table projection is more than ${var.projection_lag_alarm_threshold} events behind the event store: reads from ${module.entitlements_table.table_name} are stale (check DynamoDB throttling and the projection's errors)."
  namespace           = "Ledger"
  metric_name         = "ledger.projection.lag.events"
  dimensions          = { processor = "entitlement-table" }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.projection_lag_alarm_threshold
  # No data means no running task, which worker_no_running_tasks reports.
  treat_missing_data = "notBreaching"
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
