# One role per function, each with only what that function touches.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "stage" {
  for_each           = toset(local.stages)
  name               = "${local.prefix}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "stage" {
  for_each = toset(local.stages)

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.stage[each.key].arn}:*"]
  }

  statement {
    sid       = "ReadWriteJobArtifacts"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.artifacts.arn}/jobs/*", "${aws_s3_bucket.artifacts.arn}/cache/${each.key}/*"]
  }

  statement {
    sid       = "ListJobArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.artifacts.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["jobs/*", "cache/${each.key}/*"]
    }
  }

  statement {
    sid = "ConsumeOwnQueue"
    actions = [
      "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
    ]
    resources = [aws_sqs_queue.stage[each.key].arn]
  }

  statement {
    sid       = "EnqueueStagesAndDeadLetters"
    actions   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    resources = concat([for q in aws_sqs_queue.stage : q.arn], [aws_sqs_queue.dead_letters.arn])
  }
}

resource "aws_iam_role_policy" "stage" {
  for_each = toset(local.stages)
  name     = "${local.prefix}-${each.key}"
  role     = aws_iam_role.stage[each.key].id
  policy   = data.aws_iam_policy_document.stage[each.key].json
}

resource "aws_iam_role" "trigger" {
  name               = "${local.prefix}-trigger"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "trigger" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.trigger.arn}:*"]
  }

  statement {
    sid     = "JobsWebhooksSchedules"
    actions = ["s3:GetObject", "s3:PutObject"]
    resources = [
      "${aws_s3_bucket.artifacts.arn}/jobs/*",
      "${aws_s3_bucket.artifacts.arn}/webhooks/*",
      "${aws_s3_bucket.artifacts.arn}/schedules/*",
    ]
  }

  statement {
    sid       = "ForgetFailedDeliveryClaims"
    actions   = ["s3:DeleteObject"]
    resources = ["${aws_s3_bucket.artifacts.arn}/webhooks/deliveries/*"]
  }

  statement {
    sid       = "ListJobs"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.artifacts.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["jobs/*", "schedules/*"]
    }
  }

  statement {
    sid       = "StartJobsAndStages"
    actions   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    resources = [for q in aws_sqs_queue.stage : q.arn]
  }
}

resource "aws_iam_role_policy" "trigger" {
  name   = "${local.prefix}-trigger"
  role   = aws_iam_role.trigger.id
  policy = data.aws_iam_policy_document.trigger.json
}
