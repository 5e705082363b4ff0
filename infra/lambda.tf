# The stage functions (container images, one per stage, each fed by its SQS
# queue with partial batch failures) and the trigger behind a Function URL.

resource "aws_cloudwatch_log_group" "stage" {
  for_each          = toset(local.stages)
  name              = "/aws/lambda/${local.prefix}-${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "trigger" {
  name              = "/aws/lambda/${local.prefix}-trigger"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "stage" {
  for_each      = toset(local.stages)
  function_name = "${local.prefix}-${each.key}"
  role          = aws_iam_role.stage[each.key].arn
  package_type  = "Image"
  image_uri     = var.images[each.key]
  timeout       = var.stage_timeout_seconds
  memory_size   = var.stage_memory_mb[each.key]
  architectures = ["x86_64"]

  ephemeral_storage {
    size = 10240
  }

  environment {
    variables = merge(
      local.common_env,
      { DOCTOWN_STAGE = each.key },
      each.key == "generate" ? var.llm : {},
      # Ingest mints the installation tokens of GitHub App jobs itself.
      each.key == "ingest" ? {
        DOCTOWN_GITHUB_APP_ID          = var.github_app_id
        DOCTOWN_GITHUB_APP_PRIVATE_KEY = var.github_app_private_key
      } : {},
    )
  }

  depends_on = [aws_cloudwatch_log_group.stage]
}

resource "aws_lambda_event_source_mapping" "stage" {
  for_each                = toset(local.stages)
  event_source_arn        = aws_sqs_queue.stage[each.key].arn
  function_name           = aws_lambda_function.stage[each.key].arn
  batch_size              = 1
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.stage_concurrency
  }
}

resource "aws_lambda_function" "trigger" {
  function_name = "${local.prefix}-trigger"
  role          = aws_iam_role.trigger.arn
  package_type  = "Image"
  image_uri     = var.images["trigger"]
  timeout       = 900
  memory_size   = 512
  architectures = ["x86_64"]

  image_config {
    entry_point = ["/usr/local/bin/doctown-trigger-lambda"]
    command     = []
  }

  environment {
    variables = merge(local.common_env, {
      DOCTOWN_STATIC_DIR             = "/srv/website"
      DOCTOWN_ALLOWED_HOSTS          = "github.com"
      DOCTOWN_CORS_ORIGINS           = join(",", var.cors_origins)
      DOCTOWN_PUBLIC_URL             = var.public_url
      DOCTOWN_GITHUB_APP_ID          = var.github_app_id
      DOCTOWN_GITHUB_APP_PRIVATE_KEY = var.github_app_private_key
      DOCTOWN_GITHUB_WEBHOOK_SECRET  = var.github_webhook_secret
      DOCTOWN_API_KEY_HASHES         = join(",", var.api_key_hashes)
      DOCTOWN_SERVER_NAMES           = join(",", length(var.server_names) > 0 ? var.server_names : [".lambda-url.${var.region}.on.aws"])
      DOCTOWN_PUBLIC_READS           = var.public_reads ? "1" : "0"
      DATABASE_URL                   = var.database_url
      DOCTOWN_TOKEN_KEYS             = var.token_keys
    })
  }

  lifecycle {
    precondition {
      condition     = var.database_url != "" || length(var.api_key_hashes) > 0
      error_message = "The trigger is public: set database_url (accounts) or api_key_hashes."
    }
    precondition {
      condition     = !(var.public_reads && var.github_app_id != "" && var.database_url == "")
      error_message = "public_reads with a GitHub App and no accounts would publish installations' private repositories."
    }
  }

  depends_on = [aws_cloudwatch_log_group.trigger]
}

resource "aws_lambda_function_url" "trigger" {
  function_name      = aws_lambda_function.trigger.function_name
  authorization_type = "NONE"
  # SSE needs a streamed response.
  invoke_mode = "RESPONSE_STREAM"
  # CORS is answered by the trigger itself (DOCTOWN_CORS_ORIGINS), not here.
}
