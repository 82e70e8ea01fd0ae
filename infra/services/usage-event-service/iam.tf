# What the ledger itself may do (the task role). Every SQS and DynamoDB statement names its
# resource; the only "*" is PutMetricData, which has no resource-level permissions and is held to
# the Ledger namespace by a condition.
data "aws_iam_policy_document" "worker_task" {
  statement {
    sid    = "ConsumeUsageEvents"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
    ]
    resources = [module.usage_event_queue.queue_arn]
  }

  # The dead-letter admin API redrives dead letters by sending their bodies back to the main queue.
  statement {
    sid       = "RedriveDeadLetters"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [module.usage_event_queue.queue_arn]
  }

  # The dead-letter admin API reads, re-queues onto and deletes from the DLQ; the worker moves
  # invalid messages there at once.
  statement {
    sid    = "AdministerDeadLetters"
    effect = "Allow"
    actions = [
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
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
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
}

# For producers (see the seed document usage-events-sqs.md): attach to the role that sends events.
data "aws_iam_policy_document" "producer" {
  statement {
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [module.usage_event_queue.queue_arn]
  }
}
