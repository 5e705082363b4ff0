//! The OpenAI-compatible chat-completions model: OpenAI, Azure OpenAI (v1
//! endpoint through `base_url`, or deployment-style through
//! `azure_deployment` + `azure_api_version`), vLLM, Ollama, llama.cpp —
//! through `doctown-http`'s [`ApiClient`], the client the embed stage's
//! remote backend uses too. Every request is one attempt: the engine owns
//! retries, backoff and the decision to stop (401, quota, unknown model).

use crate::config::{GenerateConfig, ResponseFormatMode};
use crate::error::GenerateError;
use crate::model::{BoxFuture, ChatReply, ChatRequest, LanguageModel, ModelError, TokenUsage};
use doctown_http::{ApiClient, ApiConfig, Azure, Timeouts};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// An OpenAI-compatible chat model.
pub struct OpenAiModel {
    client: Arc<ApiClient>,
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
        let format = match config.response_format {
            ResponseFormatMode::JsonSchema => 0,
            ResponseFormatMode::JsonObject => 1,
            ResponseFormatMode::None => 2,
        };
        Ok(OpenAiModel {
            client: Arc::new(OpenAiModel::client(config)?),
            model: config.model.clone(),
            temperature: config.temperature,
            format: AtomicU8::new(format),
            completion_param: config.base_url.is_none() || config.azure_deployment.is_some(),
            timeout: config.request_timeout() + Duration::from_secs(5),
        })
    }

    /// The client of the configured API (the chat model's, and `ask`'s);
    /// fails without a key.
    pub fn client(config: &GenerateConfig) -> Result<ApiClient, GenerateError> {
        let key = config.require_key()?;
        let azure = match (&config.azure_deployment, &config.azure_api_version) {
            (Some(deployment), Some(api_version)) => Some(Azure {
                deployment: deployment.clone(),
                api_version: api_version.clone(),
            }),
            _ => None,
        };
        let api = ApiConfig {
            base_url: config.base_url_or_default().to_string(),
            api_key: Some(key.to_string()),
            organization: config.organization.clone(),
            project: config.project.clone(),
            azure,
        };
        let timeouts = Timeouts {
            connect: Some(config.connect_timeout()),
            total: Some(config.request_timeout()),
        };
        Ok(ApiClient::new(api, timeouts))
    }

    /// The request's body: the messages, the answer's budget and format.
    fn body(&self, request: &ChatRequest) -> Value {
        let mut body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
        });
        if let Some(temperature) = self.temperature {
            body["temperature"] = json!(temperature);
        }
        let budget = if self.completion_param {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        body[budget] = json!(request.max_tokens);
        match self.format.load(Ordering::Relaxed) {
            0 => {
                body["response_format"] = json!({
                    "type": "json_schema",
                    "json_schema": {"name": "summaries", "schema": request.schema, "strict": true},
                })
            }
            1 => body["response_format"] = json!({"type": "json_object"}),
            _ => {}
        }
        body
    }

    async fn send(&self, request: ChatRequest) -> Result<ChatReply, ModelError> {
        let body = self.body(&request);
        let client = self.client.clone();
        let call = tokio::task::spawn_blocking(move || client.post("chat/completions", &body));
        let response = match tokio::time::timeout(self.timeout, call).await {
            Err(_) => return Err(ModelError::Timeout),
            Ok(Err(e)) => return Err(ModelError::Transport(format!("the request stopped: {e}"))),
            Ok(Ok(result)) => result,
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
        reply_of(&response)
    }
}

/// The first choice's content, the usage and the answering model of a
/// chat completion.
fn reply_of(response: &Value) -> Result<ChatReply, ModelError> {
    if !response["choices"].is_array() {
        return Err(ModelError::Protocol(
            "response is not a chat completion".into(),
        ));
    }
    let message = &response["choices"][0]["message"];
    if message.is_null() {
        return Err(ModelError::Protocol("no choices".into()));
    }
    let content = match (message["content"].as_str(), message["refusal"].as_str()) {
        (Some(content), _) if !content.trim().is_empty() => content.to_string(),
        (_, Some(refusal)) => {
            return Err(ModelError::Protocol(format!(
                "the model refused: {refusal}"
            )))
        }
        _ => return Err(ModelError::Protocol("empty answer".into())),
    };
    let usage = &response["usage"];
    let usage = match (
        usage["prompt_tokens"].as_u64(),
        usage["completion_tokens"].as_u64(),
    ) {
        (Some(prompt_tokens), Some(completion_tokens)) => Some(TokenUsage {
            prompt_tokens,
            completion_tokens,
        }),
        _ => None,
    };
    Ok(ChatReply {
        content,
        usage,
        model: response["model"].as_str().unwrap_or_default().to_string(),
    })
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
    fn replies_are_read_or_refused() {
        let reply = reply_of(&json!({
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"message": {"content": "{\"summaries\": []}"}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3},
        }))
        .unwrap();
        assert_eq!(reply.model, "gpt-4o-mini-2024-07-18");
        assert_eq!(reply.usage.unwrap().completion_tokens, 3);
        let without_usage = json!({"choices": [{"message": {"content": "x"}}]});
        assert_eq!(reply_of(&without_usage).unwrap().usage, None);
        for (answer, said) in [
            (json!({"object": "error"}), "not a chat completion"),
            (json!({"choices": []}), "no choices"),
            (
                json!({"choices": [{"message": {"content": null, "refusal": "no"}}]}),
                "refused",
            ),
            (
                json!({"choices": [{"message": {"content": "  "}}]}),
                "empty",
            ),
        ] {
            let error = reply_of(&answer).unwrap_err().to_string();
            assert!(error.contains(said), "{error}");
        }
    }

    #[test]
    fn the_answers_budget_and_format_follow_the_server() {
        let config = GenerateConfig {
            backend: crate::Backend::OpenAi,
            api_key: Some("k".into()),
            base_url: Some("http://localhost:11434/v1".into()),
            ..Default::default()
        };
        let model = OpenAiModel::new(&config).unwrap();
        let request = ChatRequest {
            system: "s".into(),
            user: "u".into(),
            max_tokens: 64,
            schema: json!({"type": "object"}),
        };
        let body = model.body(&request);
        assert_eq!(body["max_tokens"], 64);
        assert_eq!(body["response_format"]["type"], "json_schema");
        assert_eq!(body["messages"][1]["content"], "u");
        model.format.store(2, Ordering::Relaxed);
        assert!(model.body(&request).get("response_format").is_none());
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
