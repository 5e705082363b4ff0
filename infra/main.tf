# Storage and queues: one artifact bucket; per stage a queue and a
# dead-letter queue (redrive after var.max_receive_count deliveries), plus the
# shared `<prefix>-dlq` that workers send permanently failed work to.

locals {
  prefix = "doctown-${var.environment}"
  stages = ["ingest", "embed", "assemble", "generate", "pack"]
  # SQS visibility must be at least 6x the consuming function's timeout.
  visibility_timeout = var.stage_timeout_seconds * 6
  common_env = {
    DOCTOWN_S3_BUCKET    = aws_s3_bucket.artifacts.bucket
    DOCTOWN_S3_REGION    = var.region
    DOCTOWN_SQS_REGION   = var.region
    DOCTOWN_QUEUE_PREFIX = local.prefix
    DOCTOWN_LOG          = "info"
    # A Lambda container's disk is gone with it: writing the model's
    # optimised form (87 MiB) would only slow each cold start.
    DOCTOWN_EMBED_SESSION_CACHE = "off"
  }
}

resource "aws_s3_bucket" "artifacts" {
  bucket = var.bucket_name
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    id     = "expire-webhook-deliveries"
    status = "Enabled"
    filter {
      prefix = "webhooks/deliveries/"
    }
    expiration {
      days = 30
    }
  }
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }
}

resource "aws_sqs_queue" "stage_dlq" {
  for_each                  = toset(local.stages)
  name                      = "${local.prefix}-${each.key}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "stage" {
  for_each                   = toset(local.stages)
  name                       = "${local.prefix}-${each.key}"
  visibility_timeout_seconds = local.visibility_timeout
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.stage_dlq[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "stage_dlq" {
  for_each  = toset(local.stages)
  queue_url = aws_sqs_queue.stage_dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.stage[each.key].arn]
  })
}

# Work a worker gave up on (non-retryable failures), named `<prefix>-dlq` as
# the queue crate expects.
resource "aws_sqs_queue" "dead_letters" {
  name                      = "${local.prefix}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}
