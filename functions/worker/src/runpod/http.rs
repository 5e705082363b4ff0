//! A small blocking HTTP client for the RunPod APIs (non-2xx statuses are
//! answers, not errors).

use crate::error::WorkerError;
use std::time::Duration;

pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
}

pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

fn error(url: &str, e: ureq::Error) -> WorkerError {
    WorkerError::Http {
        url: url.to_string(),
        message: e.to_string(),
        retryable: true,
    }
}

fn reply(url: &str, mut response: ureq::http::Response<ureq::Body>) -> Result<Reply, WorkerError> {
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| error(url, e))?;
    Ok(Reply { status, body })
}

/// `GET url` with headers.
pub(crate) fn get(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<Reply, WorkerError> {
    let mut request = agent.get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    reply(url, request.call().map_err(|e| error(url, e))?)
}

/// `POST url` with a text body and headers.
pub(crate) fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Reply, WorkerError> {
    let mut request = agent.post(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    reply(url, request.send(body).map_err(|e| error(url, e))?)
}

/// Appends `query` with `?` or `&`, whichever the URL needs.
pub(crate) fn with_query(url: &str, query: &str) -> String {
    if query.is_empty() {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&{query}")
    } else {
        format!("{url}?{query}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_append_properly() {
        assert_eq!(super::with_query("http://h/a", "x=1"), "http://h/a?x=1");
        assert_eq!(
            super::with_query("http://h/a?gpu=A", "x=1"),
            "http://h/a?gpu=A&x=1"
        );
        assert_eq!(super::with_query("http://h/a", ""), "http://h/a");
    }
}
