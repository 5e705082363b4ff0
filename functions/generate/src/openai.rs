//! The OpenAI-compatible chat-completions client (async-openai): OpenAI,
//! Azure OpenAI (v1 endpoint through `base_url`, or deployment-style through
//! `azure_deployment` + `azure_api_version`), vLLM, Ollama, llama.cpp.
//!
//! async-openai's own retry layer is replaced by a plain transport service
//! that turns any non-2xx response into a classified [`ModelError`] with the
//! `Retry-After` header kept, so the engine owns retries, backoff and the
//! decision to stop (401, quota, unknown model).

use crate::config::{GenerateConfig, ResponseFormatMode};
use crate::error::GenerateError;
use crate::model::{BoxFuture, ChatReply, ChatRequest, LanguageModel, ModelError, TokenUsage};
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, ResponseFormat, ResponseFormatJsonSchema,
};
use async_openai::Client;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// A non-2xx response, as the transport saw it.
#[derive(Debug)]
struct HttpFailure {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.body)
    }
}

impl std::error::Error for HttpFailure {}

/// Sends requests; reports non-2xx responses as [`HttpFailure`]s.
#[derive(Clone)]
struct Transport {
    http: reqwest::Client,
}

impl tower::Service<HttpRequestFactory> for Transport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = BoxFuture<'static, Result<reqwest::Response, OpenAIError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let http = self.http.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
            if response.status().is_success() {
                return Ok(response);
            }
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            let body = response.text().await.unwrap_or_default();
            Err(OpenAIError::Boxed(Box::new(HttpFailure {
                status,
                retry_after,
                body,
            })))
        })
    }
}

/// `retry-after-ms`, else `Retry-After` in (possibly fractional) seconds.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = value("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
    }
    let secs = value("retry-after")?.parse::<f64>().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// The API's error message (`{"error": {"message", "code", "type"}}`) or the body.
fn api_message(body: &str) -> (String, String) {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let error = parsed.as_ref().map(|v| &v["error"]);
    let message = error
        .and_then(|e| e["message"].as_str())
        .map(str::to_string);
    let code = error.map(|e| {
        format!(
            "{} {}",
            e["code"].as_str().unwrap_or(""),
            e["type"].as_str().unwrap_or("")
        )
    });
    let message = message.unwrap_or_else(|| body.trim().chars().take(200).collect());
    (message, code.unwrap_or_default())
}

fn classify(status: u16, retry_after: Option<Duration>, body: &str) -> ModelError {
    let (message, code) = api_message(body);
    match status {
        401 | 403 => ModelError::Unauthorized { status, message },
        404 => ModelError::NotFound { status, message },
        429 if code.contains("insufficient_quota") => ModelError::QuotaExceeded { message },
        429 => ModelError::RateLimited {
            retry_after,
            message,
        },
        408 | 409 | 425 | 500..=599 => ModelError::Server { status, message },
        _ => ModelError::BadRequest { status, message },
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn map_error(error: OpenAIError) -> ModelError {
    match error {
        OpenAIError::Boxed(boxed) => match boxed.downcast::<HttpFailure>() {
            Ok(f) => classify(f.status, f.retry_after, &f.body),
            Err(other) => ModelError::Transport(other.to_string()),
        },
        OpenAIError::Reqwest(e) if e.is_timeout() => ModelError::Timeout,
        OpenAIError::Reqwest(e) if e.is_connect() => ModelError::Connect(error_chain(&e)),
        OpenAIError::Reqwest(e) => ModelError::Transport(error_chain(&e)),
        OpenAIError::ApiError(r) => classify(r.status_code.as_u16(), None, &r.api_error.message),
        OpenAIError::JSONDeserialize(e, _) => {
            ModelError::Protocol(format!("response is not a chat completion: {e}"))
        }
        other => ModelError::Transport(other.to_string()),
    }
}

/// An OpenAI-compatible chat model.
pub struct OpenAiModel {
    client: Client<Box<dyn Config>>,
    model: String,
    temperature: Option<f32>,
    /// The response format in use; lowered for the rest of the run when a
    /// server rejects it (json_schema → json_object → none).
    format: AtomicU8,
    completion_param: bool,
    timeout: Duration,
}

impl OpenAiModel {
    /// A client for the configured API; fails without a key.
    pub fn new(config: &GenerateConfig) -> Result<OpenAiModel, GenerateError> {
        let key = config.require_key()?;
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout())
            .connect_timeout(config.connect_timeout())
            .build()
            .map_err(|e| GenerateError::Config(format!("cannot build the HTTP client: {e}")))?;
        let api: Box<dyn Config> = match (&config.azure_deployment, &config.azure_api_version) {
            (Some(deployment), Some(version)) => Box::new(
                AzureConfig::new()
                    .with_api_base(config.base_url_or_default())
                    .with_api_key(key)
                    .with_deployment_id(deployment)
                    .with_api_version(version),
            ),
            _ => {
                let mut api = OpenAIConfig::new()
                    .with_api_key(key)
                    .with_api_base(config.base_url_or_default());
                if let Some(org) = &config.organization {
                    api = api.with_org_id(org);
                }
                if let Some(project) = &config.project {
                    api = api.with_project_id(project);
                }
                Box::new(api)
            }
        };
        let client = Client::build(http.clone(), api).with_http_service(Transport { http });
        let format = match config.response_format {
            ResponseFormatMode::JsonSchema => 0,
            ResponseFormatMode::JsonObject => 1,
            ResponseFormatMode::None => 2,
        };
        Ok(OpenAiModel {
            client,
            model: config.model.clone(),
            temperature: config.temperature,
            format: AtomicU8::new(format),
            completion_param: config.base_url.is_none() || config.azure_deployment.is_some(),
            timeout: config.request_timeout() + Duration::from_secs(5),
        })
    }

    fn build(&self, request: &ChatRequest) -> CreateChatCompletionRequest {
        let mut body = CreateChatCompletionRequest {
            model: self.model.clone(),
            messages: vec![
                ChatCompletionRequestSystemMessage::from(request.system.as_str()).into(),
                ChatCompletionRequestUserMessage::from(request.user.as_str()).into(),
            ],
            temperature: self.temperature,
            ..Default::default()
        };
        if self.completion_param {
            body.max_completion_tokens = Some(request.max_tokens);
        } else {
            #[allow(deprecated)]
            {
                body.max_tokens = Some(request.max_tokens);
            }
        }
        body.response_format = match self.format.load(Ordering::Relaxed) {
            0 => Some(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    name: "summaries".into(),
                    description: None,
                    schema: request.schema.clone(),
                    strict: Some(true),
                },
            }),
            1 => Some(ResponseFormat::JsonObject),
            _ => None,
        };
        body
    }

    async fn send(&self, request: ChatRequest) -> Result<ChatReply, ModelError> {
        let body = self.build(&request);
        let chat = self.client.chat();
        let call = chat.create(body);
        let response = match tokio::time::timeout(self.timeout, call).await {
            Err(_) => return Err(ModelError::Timeout),
            Ok(result) => result.map_err(map_error),
        };
        let response = match response {
            Err(ModelError::BadRequest { status, message })
                if message.contains("response_format") =>
            {
                // The server does not support this format: step down, retry soon.
                let _ = self
                    .format
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                        (f < 2).then_some(f + 1)
                    });
                return Err(ModelError::Server {
                    status,
                    message: format!("response_format unsupported: {message}"),
                });
            }
            other => other?,
        };
        let choice = response
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| ModelError::Protocol("no choices".into()))?;
        let content = match (choice.message.content, choice.message.refusal) {
            (Some(content), _) if !content.trim().is_empty() => content,
            (_, Some(refusal)) => {
                return Err(ModelError::Protocol(format!(
                    "the model refused: {refusal}"
                )))
            }
            _ => return Err(ModelError::Protocol("empty answer".into())),
        };
        let usage = response.usage.map(|u| TokenUsage {
            prompt_tokens: u64::from(u.prompt_tokens),
            completion_tokens: u64::from(u.completion_tokens),
        });
        Ok(ChatReply {
            content,
            usage,
            model: response.model,
        })
    }
}

impl LanguageModel for OpenAiModel {
    fn id(&self) -> &str {
        &self.model
    }

    fn complete(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatReply, ModelError>> {
        Box::pin(self.send(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert!(matches!(
            classify(401, None, "{}"),
            ModelError::Unauthorized { .. }
        ));
        let quota =
            r#"{"error":{"message":"You exceeded your quota","code":"insufficient_quota"}}"#;
        assert!(matches!(
            classify(429, None, quota),
            ModelError::QuotaExceeded { .. }
        ));
        let limited = classify(
            429,
            Some(Duration::from_secs(2)),
            r#"{"error":{"message":"slow down"}}"#,
        );
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(2)));
        assert!(limited.is_retryable() && !limited.is_fatal());
        assert!(classify(503, None, "<html>").is_retryable());
        assert!(!classify(400, None, "bad").is_retryable());
        assert!(classify(404, None, "no model").is_fatal());
    }

    #[test]
    fn retry_after_headers() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", "150".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(150)));
        assert_eq!(retry_after(&reqwest::header::HeaderMap::new()), None);
    }

    #[test]
    fn no_key_no_client() {
        let config = GenerateConfig {
            backend: crate::Backend::OpenAi,
            ..Default::default()
        };
        assert!(matches!(
            OpenAiModel::new(&config),
            Err(GenerateError::MissingApiKey)
        ));
    }
}
