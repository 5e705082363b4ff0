//! One HTTP client for what Doctown calls over HTTP, one retry policy, and
//! one client for OpenAI-compatible APIs.
//!
//! - [`Http`]: a blocking client (ureq) whose statuses are answers, not
//!   errors; a request that gets no answer fails in one line naming the
//!   host ([`HttpError`]), never a credential (those travel in headers and
//!   bodies, not URLs).
//! - [`Backoff`]: the waits between attempts — the one
//!   [`RetryPolicy`](doctown_core::retry::RetryPolicy) of the state
//!   machine, with equal jitter, and the server's `Retry-After` when it
//!   sends one.
//! - [`api`]: OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp…: the
//!   endpoint, the credentials, and every answer classified
//!   ([`ApiError`]), for chat completions (the generate stage) and
//!   embeddings (the embed stage's remote backend).

pub mod api;
mod client;
mod retry;

pub use api::{ApiClient, ApiConfig, ApiError, Azure};
pub use client::{Http, HttpError, Reply, Streamed, Timeouts};
pub use retry::{random01, retry_after, Backoff};
