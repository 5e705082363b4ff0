//! The RunPod APIs' answers over `doctown-http`'s client (non-2xx
//! statuses are answers, not errors).

use crate::error::WorkerError;
use doctown_http::{Http, HttpError, Timeouts};
use std::time::Duration;

pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
}

/// The client: `timeout` for the whole request.
pub(crate) fn agent(timeout: Duration) -> Http {
    Http::new(Timeouts {
        connect: None,
        total: Some(timeout),
    })
    .with_max_body(64 << 20)
}

fn answered(url: &str, sent: Result<doctown_http::Reply, HttpError>) -> Result<Reply, WorkerError> {
    match sent {
        Ok(reply) => Ok(Reply {
            status: reply.status,
            body: reply.text(),
        }),
        Err(e) => Err(WorkerError::Http {
            url: url.to_string(),
            message: e.to_string(),
            retryable: true,
        }),
    }
}

/// `GET url` with headers.
pub(crate) fn get(agent: &Http, url: &str, headers: &[(&str, &str)]) -> Result<Reply, WorkerError> {
    answered(url, agent.get(url, headers))
}

/// `POST url` with a text body and headers.
pub(crate) fn post(
    agent: &Http,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Reply, WorkerError> {
    answered(url, agent.post(url, headers, body.as_bytes()))
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
