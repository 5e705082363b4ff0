//! GitHub's and Stripe's answers over `doctown-http`'s client: non-2xx
//! statuses are answers, not errors; errors never carry a request's
//! credentials (they are in headers and form bodies, never in URLs).

use crate::error::AccountsError;
use doctown_http::{Http, HttpError, Timeouts};
use std::time::Duration;

/// A status and a body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Result<serde_json::Value, AccountsError> {
        serde_json::from_str(&self.body)
            .map_err(|_| AccountsError::Upstream(format!("answer {} is not JSON", self.status)))
    }
}

/// The client: 20 s to connect, a minute for the whole request.
pub fn agent() -> Http {
    Http::new(Timeouts {
        connect: Some(Duration::from_secs(20)),
        total: Some(Duration::from_secs(60)),
    })
}

fn answered(sent: Result<doctown_http::Reply, HttpError>) -> Result<Reply, AccountsError> {
    let reply = sent.map_err(|e| AccountsError::Upstream(e.to_string()))?;
    Ok(Reply {
        status: reply.status,
        body: reply.text(),
    })
}

/// `GET url` with headers.
pub fn get(agent: &Http, url: &str, headers: &[(&str, &str)]) -> Result<Reply, AccountsError> {
    answered(agent.get(url, headers))
}

/// `POST url` with a form body and headers.
pub fn post_form(
    agent: &Http,
    url: &str,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Result<Reply, AccountsError> {
    answered(agent.post_form(url, headers, form))
}

/// `POST url` with a body as it is and headers.
pub fn post(
    agent: &Http,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, AccountsError> {
    answered(agent.post(url, headers, body))
}
