output "trigger_url" {
  description = "The trigger's Function URL (API, SSE, webhook at /webhooks/github, website)."
  value       = aws_lambda_function_url.trigger.function_url
}

output "bucket" {
  description = "The artifact bucket."
  value       = aws_s3_bucket.artifacts.bucket
}

output "stage_queue_urls" {
  description = "Stage queue URLs."
  value       = { for s, q in aws_sqs_queue.stage : s => q.url }
}

output "dead_letter_queue_urls" {
  description = "Per-stage dead-letter queues (redrive) and the shared <prefix>-dlq."
  value       = merge({ for s, q in aws_sqs_queue.stage_dlq : s => q.url }, { shared = aws_sqs_queue.dead_letters.url })
}
