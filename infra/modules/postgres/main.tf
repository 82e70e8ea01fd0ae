resource "aws_db_subnet_group" "this" {
  name        = "${var.identifier}-subnets"
  description = "Private subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_security_group" "this" {
  name        = var.identifier
  description = "PostgreSQL ${var.identifier}: admits only the listed security groups on 5432"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.identifier })
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  # count, not for_each: the admitted groups are usually created in the same apply, so their IDs
  # are unknown at plan time while the list length is known.
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from an admitted security group"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_id

  db_name  = var.database_name
  username = var.master_username
  port     = 5432

  # RDS generates the password and keeps {"username", "password"} in a Secrets Manager secret. Only the
  # bootstrap container uses it; the application logs in as its own user with an IAM token (rds-db:connect),
  # so a rotation of this password never reaches a running task.
  manage_master_user_password         = true
  iam_database_authentication_enabled = true

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period    = var.backup_retention_days
  copy_tags_to_snapshot      = true
  deletion_protection        = var.deletion_protection
  skip_final_snapshot        = false
  auto_minor_version_upgrade = true

  # Unique per instance: a fixed "<identifier>-final" makes the destroy of a re-created instance fail, because
  # the first instance's final snapshot still holds the name. The creation time is fixed in state by
  # ignore_changes below (timestamp() changes on every plan), so the name cannot drift afterwards.
  final_snapshot_identifier = "${var.identifier}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"

  tags = var.tags

  lifecycle {
    ignore_changes = [final_snapshot_identifier]

    precondition {
      condition     = var.max_allocated_storage_gb >= var.allocated_storage_gb
      error_message = "max_allocated_storage_gb must be at least allocated_storage_gb."
    }
  }
}
