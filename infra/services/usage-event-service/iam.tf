# What the ledger itself may do (the task role). Every SQS, DynamoDB and RDS statement names its
# resource; the only "*" is PutMetricData, which has no resource-level permissions and is held to
# the Ledger namespace by a condition.
data "aws_iam_policy_document" "worker_task" {
  # The worker receives, deletes and extends usage messages; the dead-letter admin API redrives dead
  # letters by sending their bodies back to this queue.
  statement {
    sid    = "ConsumeUsageEvents"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]
    resources = [module.usage_event_queue.queue_arn]
  }

  # The worker moves invalid messages to the DLQ at once; the dead-letter admin API lists them (a
  # receive whose visibility it resets at once, so listing hides nothing), then re-queues and deletes.
  statement {
    sid    = "AdministerDeadLetters"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]
    resources = [module.usage_event_queue.dlq_arn]
  }

  statement {
    sid    = "ProjectEntitlements"
    effect = "Allow"
    # projection writes (UpdateItem, PutItem), drift (BatchGetItem), drift and the import (Scan),
    # readiness and the import (DescribeTable). The ledger never reads single items (GetItem) nor
    # deletes any; TaskRolePermissionsIT checks this list against the calls the code makes.
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:DescribeTable",
      "dynamodb:PutItem",
      "dynamodb:Scan",
      "dynamodb:UpdateItem",
    ]
    resources = [module.entitlements_table.table_arn]
  }

  statement {
    sid       = "PublishLedgerMetrics"
    effect    = "Allow"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Ledger"]
    }
  }

  # The ledger logs in to PostgreSQL as database_app_username with an IAM authentication token (ADR 0019), so no
  # password reaches it and a rotation of the master password does not concern it. One database user only.
  statement {
    sid       = "ConnectToDatabase"
    effect    = "Allow"
    actions   = ["rds-db:connect"]
    resources = ["arn:${data.aws_partition.current.partition}:rds-db:${local.region}:${local.account_id}:dbuser:${local.database_resource_id}/${var.database_app_username}"]
  }
}

# For producers (see the seed document usage-events-sqs.md): attach to the role that sends events.
data "aws_iam_policy_document" "producer" {
  statement {
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [module.usage_event_queue.queue_arn]
  }
}
