# The HTTP API behind an internal Application Load Balancer: grants come only through this API, so without it a
# fresh stack would dead-letter every usage message as ENTITLEMENT_NOT_FOUND. Internal only: clients are in the VPC
# or connected to it (peering, VPN, Transit Gateway); nothing here faces the internet.

locals {
  alb_subnet_ids = coalesce(var.alb_subnet_ids, var.private_subnet_ids)

  # Load balancer and target group names are limited to 32 characters; a long project and environment name is
  # shortened and given a hash of the full name so that two stacks never collide.
  alb_full_name          = "${local.name_prefix}-usage-event-api"
  alb_name               = length(local.alb_full_name) <= 32 ? local.alb_full_name : "${trimsuffix(substr(local.alb_full_name, 0, 25), "-")}-${substr(sha1(local.alb_full_name), 0, 6)}"
  target_group_full_name = "${local.name_prefix}-usage-event-worker"
  target_group_name      = length(local.target_group_full_name) <= 32 ? local.target_group_full_name : "${trimsuffix(substr(local.target_group_full_name, 0, 25), "-")}-${substr(sha1(local.target_group_full_name), 0, 6)}"

  api_https    = var.certificate_arn != null
  api_base_url = "${local.api_https ? "https" : "http"}://${coalesce(var.api_domain_name, aws_lb.api.dns_name)}"

  # The target group as seen through its listener: ECS refuses a service whose target group is attached to no
  # load balancer yet, and this reference makes the service wait for the listener without a module-wide
  # depends_on (which would defer every data source of the module to apply time).
  api_target_group_arn = coalesce(
    one(aws_lb_listener.https[*].default_action[0].target_group_arn),
    one(aws_lb_listener.http[*].default_action[0].target_group_arn),
  )

  # Ports the load balancer admits clients on.
  api_listener_ports = concat(local.api_https ? [443] : [], var.allow_plain_http ? [80] : [])

  # One ingress rule per (port, source); counts, not for_each, because source IDs may be unknown at plan time.
  alb_ingress_cidr = flatten([for port in local.api_listener_ports : [for cidr in var.api_ingress_cidr_blocks : { port = port, cidr = cidr }]])
  alb_ingress_sg   = flatten([for port in local.api_listener_ports : [for sg in var.api_ingress_security_group_ids : { port = port, sg = sg }]])
}

resource "aws_security_group" "alb" {
  name        = "${local.name_prefix}-usage-event-api"
  description = "Entitlement ledger API load balancer: admits the configured clients"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.name_prefix}-usage-event-api" }
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_cidr" {
  count = length(local.alb_ingress_cidr)

  security_group_id = aws_security_group.alb.id
  description       = "HTTP API clients"
  ip_protocol       = "tcp"
  from_port         = local.alb_ingress_cidr[count.index].port
  to_port           = local.alb_ingress_cidr[count.index].port
  cidr_ipv4         = local.alb_ingress_cidr[count.index].cidr
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_security_group" {
  count = length(local.alb_ingress_sg)

  security_group_id            = aws_security_group.alb.id
  description                  = "HTTP API clients"
  ip_protocol                  = "tcp"
  from_port                    = local.alb_ingress_sg[count.index].port
  to_port                      = local.alb_ingress_sg[count.index].port
  referenced_security_group_id = local.alb_ingress_sg[count.index].sg
}

# The load balancer talks to the tasks only (requests and health checks).
resource "aws_vpc_security_group_egress_rule" "alb_to_worker" {
  security_group_id            = aws_security_group.alb.id
  description                  = "HTTP API and health checks to the tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.worker.id
}

resource "aws_lb" "api" {
  name               = local.alb_name
  internal           = true
  load_balancer_type = "application"
  subnets            = local.alb_subnet_ids
  security_groups    = [aws_security_group.alb.id]

  # Requests with header names the ledger would not expect are dropped, not forwarded.
  drop_invalid_header_fields = true

  tags = { Name = local.alb_full_name }

  lifecycle {
    precondition {
      condition     = length(distinct(local.alb_subnet_ids)) >= 2
      error_message = "The load balancer needs at least two subnets in different availability zones: set alb_subnet_ids, or give private_subnet_ids two."
    }

    precondition {
      condition     = var.certificate_arn != null || var.allow_plain_http
      error_message = "Set certificate_arn (an ACM certificate for the HTTPS listener), or allow_plain_http = true for a throwaway environment without TLS."
    }
  }
}

resource "aws_lb_target_group" "api" {
  name        = local.target_group_name
  target_type = "ip"
  port        = local.container_port
  protocol    = "HTTP"
  vpc_id      = var.vpc_id

  # In-flight requests get 30 s to finish when a task leaves (scale-in, deployment); the worker's own shutdown
  # (stopTimeout 60 s) covers its messages.
  deregistration_delay = 30

  # Readiness, not liveness: a task that is starting or shutting down gets no requests, while /actuator/health
  # (the container health check) keeps it alive. DEGRADED answers 200 there too (a projection retrying).
  health_check {
    path                = "/actuator/health/readiness"
    matcher             = "200"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = { Name = local.target_group_full_name }
}

resource "aws_lb_listener" "https" {
  count = local.api_https ? 1 : 0

  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = var.certificate_arn
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_lb_listener" "http" {
  count = var.allow_plain_http ? 1 : 0

  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
