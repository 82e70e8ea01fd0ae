output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN (with revision) of the task definition."
  value       = aws_ecs_task_definition.this.arn
}

output "task_role_arn" {
  description = "ARN of the task role (the application's permissions)."
  value       = aws_iam_role.task.arn
}

output "task_role_name" {
  description = "Name of the task role."
  value       = aws_iam_role.task.name
}

output "execution_role_arn" {
  description = "ARN of the task execution role (image pull, logs, secrets)."
  value       = aws_iam_role.execution.arn
}

output "execution_role_name" {
  description = "Name of the task execution role."
  value       = aws_iam_role.execution.name
}

output "log_group_name" {
  description = "CloudWatch log group of the container."
  value       = aws_cloudwatch_log_group.this.name
}

output "container_definitions" {
  description = "Container definitions of the task definition (JSON): the application container first, then the init container."
  value       = aws_ecs_task_definition.this.container_definitions
}

output "container_name" {
  description = "Name of the application container (the one a run-task command override names)."
  value       = var.container_name
}

output "target_group_arn" {
  description = "Target group the service registers its tasks in, or null."
  value       = one(aws_ecs_service.this.load_balancer[*].target_group_arn)
}
