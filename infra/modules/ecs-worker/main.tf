data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # [account, region, repository] when the image lives in ECR, else null.
  ecr_image      = try(regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)", var.image), null)
  ecr_repository = local.ecr_image == null ? null : "arn:${local.partition}:ecr:${local.ecr_image[1]}:${local.ecr_image[0]}:repository/${local.ecr_image[2]}"

  container_definition = {
    name      = var.container_name
    image     = var.image
    essential = true

    portMappings = [{
      name          = "http"
      containerPort = var.container_port
      hostPort      = var.container_port
      protocol      = "tcp"
    }]

    environment = [for name in sort(keys(var.environment)) : { name = name, value = var.environment[name] }]
    secrets     = [for name in sort(keys(var.secrets)) : { name = name, valueFrom = var.secrets[name] }]

    healthCheck = {
      command     = var.health_check_command
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = var.health_check_start_period_seconds
    }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = var.container_name
      }
    }

    # An init process forwards SIGTERM to the JVM, so Spring's graceful shutdown runs.
    linuxParameters = {
      initProcessEnabled = true
    }

    stopTimeout = var.stop_timeout_seconds

    # The application starts only after the init container has exited with 0; if that fails, the task stops
    # and the deployment circuit breaker counts a failed start. null (no init container) is dropped by ECS.
    dependsOn = var.init_container == null ? null : [{ containerName = var.init_container.name, condition = "SUCCESS" }]
  }

  # A short-lived container of the same image that runs before the application in every task (for example a
  # database bootstrap). Not essential: once it has exited, the task goes on with the application alone.
  init_container_definitions = var.init_container == null ? [] : [{
    name      = var.init_container.name
    image     = var.image
    essential = false
    command   = var.init_container.command

    environment = [for name in sort(keys(var.init_container.environment)) : { name = name, value = var.init_container.environment[name] }]
    secrets     = [for name in sort(keys(var.init_container.secrets)) : { name = name, valueFrom = var.init_container.secrets[name] }]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = var.init_container.name
      }
    }

    linuxParameters = {
      initProcessEnabled = true
    }
  }]

  # Plain environments of every container, checked together by the task definition's preconditions.
  plain_environments = merge(
    { (var.container_name) = var.environment },
    var.init_container == null ? {} : { (var.init_container.name) = var.init_container.environment },
  )
  secret_environments = merge(
    { (var.container_name) = var.secrets },
    var.init_container == null ? {} : { (var.init_container.name) = var.init_container.secrets },
  )
}

resource "aws_ecs_cluster" "this" {
  name = var.cluster_name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days

  tags = var.tags
}

# ---- execution role: used by ECS to start the task (pull, logs, secrets), never by the app ----

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.role_name_prefix}-execution"
  description        = "ECS task execution role of ${var.service_name}: image pull, logs, and its own secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "execution" {
  dynamic "statement" {
    for_each = local.ecr_repository == null ? [] : [local.ecr_repository]

    content {
      sid = "EcrAuthorizationToken"
      # GetAuthorizationToken has no resource-level permissions.
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.ecr_repository == null ? [] : [local.ecr_repository]

    content {
      sid = "EcrPullImage"
      actions = [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
      ]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "WriteContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = length(var.execution_secret_arns) == 0 ? [] : [var.execution_secret_arns]

    content {
      sid       = "ReadTaskSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) == 0 ? [] : [var.secrets_kms_key_arns]

    content {
      sid       = "DecryptTaskSecrets"
      actions   = ["kms:Decrypt"]
      resources = statement.value

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "task-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ---- task role: what the application may call ------------------------------------------------

data "aws_iam_policy_document" "task_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Confused-deputy guard: only ECS acting for this account may assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "task" {
  name               = "${var.role_name_prefix}-task"
  description        = "Task role of ${var.service_name}: the application's own AWS permissions"
  assume_role_policy = data.aws_iam_policy_document.task_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "application"
  role   = aws_iam_role.task.id
  policy = var.task_role_policy_json
}

# ---- task definition and service -------------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  family                   = var.service_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The application container first: it is the one the service's load balancer and `run-task` overrides name.
  container_definitions = jsonencode(concat([local.container_definition], local.init_container_definitions))

  tags = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for container, environment in local.plain_environments : length(setintersection(keys(environment), keys(local.secret_environments[container]))) == 0])
      error_message = "A variable name appears both in environment and in secrets of the same container."
    }

    precondition {
      condition     = length(flatten([for environment in values(local.plain_environments) : [for name in keys(environment) : name if can(regex("(?i)(PASSWORD|SECRET|TOKEN|CREDENTIAL)", name))]])) == 0
      error_message = "An environment variable name (of the application or the init container) looks like a credential (PASSWORD, SECRET, TOKEN, CREDENTIAL); pass it through secrets instead."
    }

    precondition {
      condition     = var.init_container == null || try(var.init_container.name != var.container_name, false)
      error_message = "init_container.name must differ from container_name."
    }
  }
}

resource "aws_ecs_service" "this" {
  name             = var.service_name
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.this.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # Behind a load balancer, a task counts as healthy once its target passes the target group's health check;
  # the grace period covers start-up (the init container, Flyway, Axon), like the container's startPeriod.
  health_check_grace_period_seconds = var.target_group_arn == null ? null : var.health_check_grace_period_seconds

  dynamic "load_balancer" {
    for_each = var.target_group_arn == null ? [] : [var.target_group_arn]

    content {
      target_group_arn = load_balancer.value
      container_name   = var.container_name
      container_port   = var.container_port
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  tags = var.tags

  # Tasks must not start before their roles carry their permissions.
  depends_on = [aws_iam_role_policy.execution, aws_iam_role_policy.task]

  lifecycle {
    # Application Auto Scaling changes the desired count; a plan must not reset it.
    ignore_changes = [desired_count]
  }
}
