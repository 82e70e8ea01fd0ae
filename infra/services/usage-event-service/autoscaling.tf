# Target tracking on the backlog per task: visible messages on the main queue divided by the running tasks.
# Only visible messages count. A business rejection waits for its retry in flight (invisible) until the redrive
# policy moves it, so a trickle of rejections neither adds tasks nor keeps them (adr/0018); the age of the oldest
# message, which rejections hold up for minutes, no longer drives scaling. Target tracking creates and owns its
# own CloudWatch alarms (out of 3 one-minute points above the target, in after 15 below 90 % of it).

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${module.worker.cluster_name}/${module.worker.service_name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "visible_messages_per_task" {
  name               = "${local.name_prefix}-usage-event-worker-visible-messages-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_visible_messages_per_task
    scale_out_cooldown = var.scale_out_cooldown_seconds
    scale_in_cooldown  = var.scale_in_cooldown_seconds

    customized_metric_specification {
      metrics {
        id          = "visible"
        label       = "Visible messages on ${module.usage_event_queue.queue_name}"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"

            dimensions {
              name  = "QueueName"
              value = module.usage_event_queue.queue_name
            }
          }
        }
      }

      metrics {
        id          = "tasks"
        label       = "Running tasks of ${module.worker.service_name}"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"

            dimensions {
              name  = "ClusterName"
              value = module.worker.cluster_name
            }

            dimensions {
              name  = "ServiceName"
              value = module.worker.service_name
            }
          }
        }
      }

      # min_count >= 1 keeps at least one task, so the divisor is 0 only while the service is down, which the
      # no-running-tasks alarm reports; target tracking then sees no data and does not scale.
      metrics {
        id          = "per_task"
        label       = "Visible messages per running task"
        expression  = "visible / tasks"
        return_data = true
      }
    }
  }
}
