//! What the query engine needs from this host: the embedding model for
//! query vectors, and the configured OpenAI-compatible chat model for `ask`
//! (streamed over Server-Sent Events, read with a blocking client).
//!
//! Query vectors come from the backend the embed stage is configured with
//! (`DOCTOWN_EMBED_BACKEND`): the local ONNX model, or the remote endpoint,
//! so a docpack embedded remotely (`openai:<model>`) is searched by meaning
//! with the same remote model.

use anyhow::Result;
use doctown_query::{AskModel, QueryEmbedder};
use std::io::BufRead;
use std::sync::Arc;

/// The configured embedder, made (the local model loaded) on first use;
/// beside it the previous default model, for docpacks it embedded.
struct ConfiguredEmbedder {
    config: doctown_embed::EmbedConfig,
    model_id: String,
    backend: std::sync::OnceLock<Result<doctown_embed::Backend, String>>,
    previous: std::sync::OnceLock<Result<doctown_embed::Backend, String>>,
}

/// One text's vector from `backend` (made from `config` on first use).
fn embed_one(
    backend: &std::sync::OnceLock<Result<doctown_embed::Backend, String>>,
    config: &doctown_embed::EmbedConfig,
    text: &str,
) -> Result<Vec<f32>, String> {
    let backend = backend
        .get_or_init(|| doctown_embed::Backend::shared(config).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)?;
    let plan = doctown_embed::BatchPlan::from_config(config);
    let mut vectors = backend.embed(&[text], &plan).map_err(|e| e.to_string())?;
    vectors
        .pop()
        .ok_or_else(|| "the model returned no vector".into())
}

impl QueryEmbedder for ConfiguredEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn embed(&self, text: &str) -> Result<Vec<f32>, String> {
        embed_one(&self.backend, &self.config, text)
    }

    /// A docpack embedded with an earlier default model is searched with
    /// it (the export, kept by `scripts/fetch-model.sh` beside today's), or
    /// with today's where that quantised the same checkpoint the same way.
    fn embed_with(&self, model: &str, text: &str) -> Option<Result<Vec<f32>, String>> {
        if self.config.embeds_queries_for(model) {
            return Some(embed_one(&self.backend, &self.config, text));
        }
        let previous = self
            .config
            .previous_default()
            .filter(|c| c.model_id == model)?;
        Some(embed_one(&self.previous, &previous, text))
    }
}

/// Where the search indexes of docpacks read in place are kept.
pub fn sidecars() -> std::path::PathBuf {
    doctown_embed::config::cache_dir().join("search")
}

/// The embedding model this host is configured with; `None` when the
/// configuration is unusable (search then goes by words, and says so).
pub fn embedder() -> Option<Arc<dyn QueryEmbedder>> {
    let config = match doctown_embed::EmbedConfig::from_env() {
        Ok(config) => config,
        Err(e) => {
            tracing::warn!(error = %e, "no query embedder");
            return None;
        }
    };
    Some(Arc::new(ConfiguredEmbedder {
        model_id: config.embedding_model_id(),
        config,
        backend: std::sync::OnceLock::new(),
        previous: std::sync::OnceLock::new(),
    }))
}

/// An OpenAI-compatible chat-completions API, streamed.
pub struct OpenAiAsk {
    client: doctown_http::ApiClient,
    model: String,
    temperature: Option<f32>,
    /// Prices the answers (the hosted service charges them to plans).
    price: Option<doctown_core::artifacts::generate::ModelPrice>,
    tokens: doctown_query::tokens::TokenCounter,
}

/// The chat model `DOCTOWN_LLM_*` configures, when the backend is `openai`;
/// `None` for the facts backend (ask then answers with the evidence).
pub fn ask_model() -> Result<Option<Arc<dyn AskModel>>> {
    let config = doctown_generate::GenerateConfig::from_env()?;
    if config.backend != doctown_generate::Backend::OpenAi {
        return Ok(None);
    }
    Ok(Some(Arc::new(OpenAiAsk {
        client: doctown_generate::OpenAiModel::client(&config)?,
        model: config.model.clone(),
        temperature: config.temperature,
        price: config.price(),
        tokens: doctown_query::tokens::TokenCounter::for_model(&config.model),
    })))
}

impl AskModel for OpenAiAsk {
    fn id(&self) -> &str {
        &self.model
    }

    fn cost_usd(&self, prompt: &str, answer: &str) -> f64 {
        let prompt = self.tokens.count(prompt) as u64;
        let answer = self.tokens.count(answer) as u64;
        doctown_generate::price::cost_usd(self.price, prompt, answer)
    }

    fn complete(
        &self,
        system: &str,
        user: &str,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<String, String> {
        let mut body = serde_json::json!({
            "model": self.model,
            "stream": true,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        });
        if let Some(t) = self.temperature {
            body["temperature"] = t.into();
        }
        let streamed = self
            .client
            .post_streamed("chat/completions", &body)
            .map_err(|e| e.reason())?;
        let reader = std::io::BufReader::new(streamed.body);
        if !streamed.content_type.starts_with("text/event-stream") {
            let value: serde_json::Value = serde_json::from_reader(reader)
                .map_err(|e| format!("the answer is not JSON: {e}"))?;
            let text = value["choices"][0]["message"]["content"]
                .as_str()
                .ok_or("the answer has no message content")?
                .to_string();
            on_text(&text);
            return Ok(text);
        }
        read_stream(reader, on_text)
    }
}

/// Joins the `delta.content` pieces of a chat-completions event stream.
fn read_stream(reader: impl BufRead, on_text: &mut dyn FnMut(&str)) -> Result<String, String> {
    let mut answer = String::new();
    for line in reader.lines() {
        let line = line.map_err(|e| format!("the stream broke: {e}"))?;
        let Some(data) = line.strip_prefix("data:").map(str::trim) else {
            continue;
        };
        if data == "[DONE]" {
            break;
        }
        let event: serde_json::Value =
            serde_json::from_str(data).map_err(|e| format!("a stream event is not JSON: {e}"))?;
        if let Some(message) = event["error"]["message"].as_str() {
            return Err(message.to_string());
        }
        if let Some(piece) = event["choices"][0]["delta"]["content"].as_str() {
            on_text(piece);
            answer.push_str(piece);
        }
    }
    if answer.trim().is_empty() {
        return Err("the model sent an empty answer".into());
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::read_stream;

    #[test]
    fn stream_pieces_are_joined_in_order() {
        let stream = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
            data: {\"choices\":[{\"delta\":{\"content\":\"It \"}}]}\n\n\
            : keep-alive\n\
            data: {\"choices\":[{\"delta\":{\"content\":\"works.\"}}]}\n\n\
            data: [DONE]\n";
        let mut seen = Vec::new();
        let answer = read_stream(stream.as_bytes(), &mut |p| seen.push(p.to_string())).unwrap();
        assert_eq!(answer, "It works.");
        assert_eq!(seen, ["It ", "works."]);
        assert!(read_stream("data: [DONE]\n".as_bytes(), &mut |_| {}).is_err());
    }
}
