//! A small blocking HTTP client for GitHub and Stripe: non-2xx statuses are
//! answers, not errors; errors never carry a request's credentials (they
//! are in headers and form bodies, never in URLs).

use crate::error::AccountsError;
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

pub fn agent() -> ureq::Agent {
    let timeout = Some(Duration::from_secs(20));
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(format!("doctown/{}", doctown_core::VERSION))
        .timeout_connect(timeout)
        .timeout_recv_response(timeout)
        .timeout_per_read(timeout)
        .build()
        .into()
}

fn failed(url: &str, e: ureq::Error) -> AccountsError {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    AccountsError::Upstream(format!("{host} did not answer: {e}"))
}

fn reply(
    url: &str,
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<Reply, AccountsError> {
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(|e| failed(url, e))?;
    Ok(Reply { status, body })
}

/// `GET url` with headers.
pub fn get(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<Reply, AccountsError> {
    let mut request = agent.get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    reply(url, request.call().map_err(|e| failed(url, e))?)
}

/// `POST url` with a form body and headers.
pub fn post_form(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Result<Reply, AccountsError> {
    let mut request = agent.post(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let sent = request.send_form(form.iter().copied());
    reply(url, sent.map_err(|e| failed(url, e))?)
}
