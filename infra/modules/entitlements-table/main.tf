locals {
  create = var.existing_table_name == null
}

resource "aws_dynamodb_table" "this" {
  count = local.create ? 1 : 0

  name                        = var.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "userId"
  range_key                   = "entitlementKey"
  deletion_protection_enabled = true

  attribute {
    name = "userId"
    type = "S"
  }

  attribute {
    name = "entitlementKey"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = var.tags
}

# The table is shared with another service, which may own it; then it is only read here.
data "aws_dynamodb_table" "existing" {
  count = local.create ? 0 : 1

  name = var.existing_table_name
}
