variable "region" {
  description = "AWS region for every resource."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "A short name for this deployment (prod, staging); part of every resource name."
  type        = string
  default     = "prod"
}

variable "bucket_name" {
  description = "The artifact bucket (jobs/, webhooks/, schedules/, cache/). Globally unique."
  type        = string
}

variable "images" {
  description = "ECR image URIs per function: ingest, embed, assemble, generate, pack, trigger (built from dockerfiles/)."
  type        = map(string)
}

variable "stage_timeout_seconds" {
  description = "Lambda timeout of the stage functions (max 900). Queue visibility is 6x this."
  type        = number
  default     = 900
}

variable "stage_memory_mb" {
  description = "Memory per stage function."
  type        = map(number)
  default = {
    ingest   = 2048
    embed    = 4096
    assemble = 3008
    generate = 1024
    pack     = 1024
  }
}

variable "max_receive_count" {
  description = "Deliveries of one stage message before SQS moves it to the stage's dead-letter queue."
  type        = number
  default     = 5
}

variable "stage_concurrency" {
  description = "Maximum concurrent Lambda invocations per stage queue (event source scaling)."
  type        = number
  default     = 10
}

variable "cors_origins" {
  description = "Origins the trigger allows (DOCTOWN_CORS_ORIGINS), e.g. [\"https://doctown.dev\"]; empty for same-origin only."
  type        = list(string)
  default     = []
}

variable "public_url" {
  description = "Public base URL of the trigger (DOCTOWN_PUBLIC_URL); empty to answer with relative links."
  type        = string
  default     = ""
}

variable "github_app_id" {
  description = "GitHub App id (DOCTOWN_GITHUB_APP_ID); empty disables installation tokens."
  type        = string
  default     = ""
}

variable "github_app_private_key" {
  description = "GitHub App private key, PEM (DOCTOWN_GITHUB_APP_PRIVATE_KEY)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "github_webhook_secret" {
  description = "GitHub webhook secret (DOCTOWN_GITHUB_WEBHOOK_SECRET); empty disables the webhook."
  type        = string
  default     = ""
  sensitive   = true
}

variable "api_key_hashes" {
  description = "SHA-256 hex hashes of the API keys (DOCTOWN_API_KEY_HASHES). Without accounts (database_url) at least one is required: the trigger refuses to start without, and then every job, docpack and write needs one."
  type        = list(string)
  default     = []
}

variable "database_url" {
  description = "PostgreSQL URL of the accounts database (DATABASE_URL): accounts on, each job and docpack belongs to its user. Empty: no accounts, API keys only."
  type        = string
  default     = ""
  sensitive   = true
}

variable "token_keys" {
  description = "The keys users' GitHub tokens and share links are sealed with (DOCTOWN_TOKEN_KEYS), with accounts."
  type        = string
  default     = ""
  sensitive   = true
}

variable "server_names" {
  description = "Host names the trigger answers (DOCTOWN_SERVER_NAMES) besides public_url's; empty: the region's Function URL names (.lambda-url.REGION.on.aws)."
  type        = list(string)
  default     = []
}

variable "public_reads" {
  description = "Without accounts, let anyone read job states, events and docpacks (DOCTOWN_PUBLIC_READS). Refused by the trigger when a GitHub App is configured (its installations' private repositories)."
  type        = bool
  default     = false
}

variable "llm" {
  description = "Generate stage model settings: DOCTOWN_LLM_BASE_URL, DOCTOWN_LLM_MODEL, DOCTOWN_LLM_API_KEY (empty map: summaries from facts)."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "log_retention_days" {
  description = "CloudWatch log retention."
  type        = number
  default     = 30
}
