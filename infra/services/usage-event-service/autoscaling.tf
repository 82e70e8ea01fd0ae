# Step scaling on the main queue: tasks are added when messages pile up (depth) or wait too long
# (age of the oldest message), and removed one at a time when the queue has stayed nearly empty.
# Step bounds are offsets from the alarm threshold.

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${module.worker.cluster_name}/${module.worker.service_name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "scale_out_on_queue_depth" {
  name               = "${local.name_prefix}-usage-event-worker-scale-out-queue-depth"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scale_out_cooldown_seconds
    metric_aggregation_type = "Maximum"

    # threshold <= depth < 5 x threshold: one more task.
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 4 * var.scale_out_queue_depth
      scaling_adjustment          = 1
    }

    # depth >= 5 x threshold: three more tasks.
    step_adjustment {
      metric_interval_lower_bound = 4 * var.scale_out_queue_depth
      scaling_adjustment          = 3
    }
  }
}

resource "aws_appautoscaling_policy" "scale_out_on_message_age" {
  name               = "${local.name_prefix}-usage-event-worker-scale-out-message-age"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scale_out_cooldown_seconds
    metric_aggregation_type = "Maximum"

    # threshold <= age < 5 x threshold: one more task.
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 4 * var.scale_out_oldest_message_age_seconds
      scaling_adjustment          = 1
    }

    # age >= 5 x threshold: two more tasks.
    step_adjustment {
      metric_interval_lower_bound = 4 * var.scale_out_oldest_message_age_seconds
      scaling_adjustment          = 2
    }
  }
}

resource "aws_appautoscaling_policy" "scale_in_on_queue_depth" {
  name               = "${local.name_prefix}-usage-event-worker-scale-in-queue-depth"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scale_in_cooldown_seconds
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "scale_out_queue_depth" {
  alarm_name          = "${local.name_prefix}-usage-event-worker-scale-out-queue-depth"
  alarm_description   = "Scaling: visible messages on ${module.usage_event_queue.queue_name} reached ${var.scale_out_queue_depth}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = module.usage_event_queue.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.scale_out_queue_depth
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_out_on_queue_depth.arn]
}

resource "aws_cloudwatch_metric_alarm" "scale_out_message_age" {
  alarm_name          = "${local.name_prefix}-usage-event-worker-scale-out-message-age"
  alarm_description   = "Scaling: the oldest message on ${module.usage_event_queue.queue_name} is ${var.scale_out_oldest_message_age_seconds} s old."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = module.usage_event_queue.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.scale_out_oldest_message_age_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_out_on_message_age.arn]
}

resource "aws_cloudwatch_metric_alarm" "scale_in_queue_depth" {
  alarm_name          = "${local.name_prefix}-usage-event-worker-scale-in-queue-depth"
  alarm_description   = "Scaling: fewer than ${var.scale_in_queue_depth} visible messages on ${module.usage_event_queue.queue_name} for 10 minutes."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = module.usage_event_queue.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  comparison_operator = "LessThanThreshold"
  threshold           = var.scale_in_queue_depth
  # SQS stops publishing metrics for a queue that has been empty and untouched for hours: idle.
  treat_missing_data = "breaching"
  alarm_actions      = [aws_appautoscaling_policy.scale_in_on_queue_depth.arn]
}
