//! The [`LanguageModel`] trait: one chat completion, asynchronously, with
//! errors classified for retries. Two implementations live side by side:
//! [`crate::OpenAiModel`] (any OpenAI-compatible API) and [`FactsModel`],
//! the facts writer behind the same interface — it answers a request from
//! the data block in its prompt, deterministically and offline, so the whole
//! model path (batching, parsing, retries, cost, cache) runs without a
//! network.

use crate::facts::{display_name, SymbolFacts};
use crate::prompt::{SymbolBlock, UNUSED_ROLE};
use crate::tokens::TokenCounter;
use crate::writer::{role_at, summary_with_role};
use doctown_core::{FileRole, Language, SymbolId, SymbolKind, Visibility};
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One chat completion request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub user: String,
    pub max_tokens: u32,
    /// The JSON schema of the answer (sent as `response_format` when the
    /// configuration asks for structured output).
    pub schema: serde_json::Value,
}

/// Tokens a request used, as the API reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatReply {
    pub content: String,
    /// `None` when the server sent no `usage` (then tokens are counted locally).
    pub usage: Option<TokenUsage>,
    /// The model that answered, as reported.
    pub model: String,
}

/// Why a completion failed: `doctown-http`'s classification of an
/// OpenAI-compatible API's answers.
pub use doctown_http::ApiError as ModelError;

/// A chat model.
pub trait LanguageModel: Send + Sync {
    /// The model id recorded with each summary.
    fn id(&self) -> &str;
    fn complete(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatReply, ModelError>>;
}

/// The facts writer as a [`LanguageModel`]: answers each item of the data
/// block with the static summary, in the answer format, with token usage
/// counted locally.
#[derive(Debug, Clone)]
pub struct FactsModel {
    counter: TokenCounter,
}

impl Default for FactsModel {
    fn default() -> Self {
        FactsModel {
            counter: TokenCounter::for_model("gpt-4o-mini"),
        }
    }
}

impl FactsModel {
    fn answer(&self, request: &ChatRequest) -> Result<String, ModelError> {
        let data = request
            .user
            .split_once("<facts>")
            .and_then(|(_, rest)| rest.rsplit_once("</facts>"))
            .map(|(data, _)| data.trim())
            .ok_or_else(|| ModelError::BadRequest {
                status: 400,
                message: "no <facts> block".into(),
            })?;
        let value: serde_json::Value =
            serde_json::from_str(data).map_err(|e| ModelError::BadRequest {
                status: 400,
                message: e.to_string(),
            })?;
        let items = value["items"].as_array().cloned().unwrap_or_default();
        let summaries: Vec<serde_json::Value> = items
            .iter()
            .map(|item| {
                let id = item["id"].as_str().unwrap_or_default().to_string();
                let summary = match serde_json::from_value::<SymbolBlock>(item.clone()) {
                    Ok(block) if !block.kind.is_empty() => {
                        // No rank is known here: every symbol is the least central.
                        let facts = facts_of(&id, &block);
                        summary_with_role(&facts, role_at(&facts, 1.0))
                    }
                    _ => {
                        let what = item["path"]
                            .as_str()
                            .or(item["repository"].as_str())
                            .unwrap_or("This item");
                        format!("`{what}` is summarised from its facts only.")
                    }
                };
                serde_json::json!({"id": id, "summary": summary})
            })
            .collect();
        Ok(serde_json::json!({ "summaries": summaries }).to_string())
    }
}

/// Rebuilds approximate facts from a prompt block.
fn facts_of(id: &str, b: &SymbolBlock) -> SymbolFacts {
    let kind: SymbolKind =
        serde_json::from_value(b.kind.replace(' ', "_").into()).unwrap_or(SymbolKind::Function);
    let path = b.location.as_str();
    let extension = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    SymbolFacts {
        id: SymbolId::from_raw(id),
        name: display_name(&b.name),
        qualified_name: b.name.clone(),
        kind,
        language: Language::from_extension(extension).unwrap_or(Language::Rust),
        path: path.to_string(),
        module: String::new(),
        start_line: 0,
        end_line: 0,
        signature: b.signature.clone(),
        visibility: match b.visibility.as_str() {
            "public" => Visibility::Public,
            "restricted" => Visibility::Restricted,
            _ => Visibility::Private,
        },
        doc: b.doc.clone(),
        parent: b.parent.clone(),
        parent_kind: None,
        calls: b.calls.clone(),
        calls_total: b.calls_total.max(b.calls.len() as u32),
        called_by: b.called_by.clone(),
        called_by_total: b.called_by_total.max(b.called_by.len() as u32),
        external_calls: b.external_calls.clone(),
        imports: b.imports.clone(),
        supertypes: b.implements.clone(),
        cluster_id: None,
        cluster: b.cluster.clone(),
        centrality: b.centrality,
        related: b.related.clone(),
        complexity: b.complexity,
        loc: b.loc,
        callers_may_be_unresolved: b.role.as_deref() != Some(UNUSED_ROLE),
        tested_by: b.tested_by.clone(),
        role: if b.role.as_deref() == Some("test") {
            FileRole::Test
        } else {
            FileRole::Source
        },
        history: None,
    }
}

impl LanguageModel for FactsModel {
    fn id(&self) -> &str {
        "facts"
    }

    fn complete(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatReply, ModelError>> {
        Box::pin(async move {
            let content = self.answer(&request)?;
            let usage = TokenUsage {
                prompt_tokens: self.counter.chat(&[&request.system, &request.user]) as u64,
                completion_tokens: self.counter.count(&content) as u64,
            };
            Ok(ChatReply {
                content,
                usage: Some(usage),
                model: "facts".into(),
            })
        })
    }
}
