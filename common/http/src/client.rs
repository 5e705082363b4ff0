//! The blocking client: one agent configuration (user agent, timeouts,
//! statuses as answers), bodies read up to a limit.

use std::time::Duration;

/// How long a request may take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// To connect.
    pub connect: Option<Duration>,
    /// For the whole request: connect, send and the whole answer.
    pub total: Option<Duration>,
}

/// A status, the server's `Retry-After` and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A 2xx answer whose body is read as it arrives.
pub struct Streamed {
    pub content_type: String,
    pub body: Box<dyn std::io::Read + Send>,
}

/// A request that got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("{host} did not answer in time")]
    Timeout { host: String },
    #[error("cannot reach {host}: {message}")]
    Connect { host: String, message: String },
    #[error("{host}: {message}")]
    Transport { host: String, message: String },
}

/// The blocking client.
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
    max_body: u64,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// A client that says it is Doctown and reads bodies up to 1 MiB.
    pub fn new(timeouts: Timeouts) -> Http {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("doctown/{}", doctown_core::VERSION))
            .timeout_connect(timeouts.connect)
            .timeout_global(timeouts.total)
            .build()
            .into();
        Http {
            agent,
            max_body: 1 << 20,
        }
    }

    /// Reads bodies up to `bytes`.
    pub fn with_max_body(self, bytes: u64) -> Http {
        Http {
            max_body: bytes,
            ..self
        }
    }

    /// `GET url` with headers.
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, HttpError> {
        self.reply(url, with_headers(self.agent.get(url), headers).call())
    }

    /// `POST url` with a JSON body and headers.
    pub fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Result<Reply, HttpError> {
        let request = with_headers(self.agent.post(url), headers);
        self.reply(url, request.send_json(body))
    }

    /// `PATCH url` with a JSON body and headers.
    pub fn patch_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Result<Reply, HttpError> {
        let request = with_headers(self.agent.patch(url), headers);
        self.reply(url, request.send_json(body))
    }

    /// `POST url` with a form body and headers.
    pub fn post_form(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Result<Reply, HttpError> {
        let request = with_headers(self.agent.post(url), headers);
        self.reply(url, request.send_form(form.iter().copied()))
    }

    /// `POST url` with a body as it is (its content type among `headers`).
    pub fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, HttpError> {
        self.reply(url, with_headers(self.agent.post(url), headers).send(body))
    }

    /// `POST url` with a JSON body: a 2xx answer's body as it arrives
    /// (an event stream, say) with its content type; any other answer
    /// read whole, as [`Http::post_json`] would.
    pub fn post_json_streamed(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Result<Result<Streamed, Reply>, HttpError> {
        let request = with_headers(self.agent.post(url), headers);
        let response = request.send_json(body).map_err(|e| failure(url, e))?;
        if !response.status().is_success() {
            return self.reply(url, Ok(response)).map(Err);
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Ok(Ok(Streamed {
            content_type,
            body: Box::new(response.into_body().into_reader()),
        }))
    }

    /// The answer: a body that cannot be read fails a 2xx (it was the
    /// point) and is empty otherwise (the status says enough).
    fn reply(
        &self,
        url: &str,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Reply, HttpError> {
        let mut response = sent.map_err(|e| failure(url, e))?;
        let status = response.status().as_u16();
        let retry_after = retry_after_of(response.headers());
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_body)
            .read_to_vec();
        let body = match body {
            Ok(body) => body,
            Err(e) if (200..300).contains(&status) => return Err(failure(url, e)),
            Err(_) => Vec::new(),
        };
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

/// A request with `headers` added.
fn with_headers<B>(
    mut request: ureq::RequestBuilder<B>,
    headers: &[(&str, &str)],
) -> ureq::RequestBuilder<B> {
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request
}

fn retry_after_of(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    crate::retry::retry_after(value("retry-after-ms"), value("retry-after"))
}

/// The host of `url`, for messages (never its path or query).
fn host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit('@').next().unwrap_or("").to_string()
}

fn failure(url: &str, e: ureq::Error) -> HttpError {
    let host = host(url);
    match e {
        ureq::Error::Timeout(_) => HttpError::Timeout { host },
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_) => HttpError::Connect {
            host,
            message: one_line(&e),
        },
        other => HttpError::Transport {
            host,
            message: one_line(&other),
        },
    }
}

/// An error and its causes on one line.
fn one_line(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_leave_paths_queries_and_credentials_out() {
        assert_eq!(
            host("https://api.example.com/v1/chat?key=x"),
            "api.example.com"
        );
        assert_eq!(host("http://user:pw@127.0.0.1:8080/x"), "127.0.0.1:8080");
        assert_eq!(host("localhost:11434"), "localhost:11434");
    }

    #[test]
    fn an_unreachable_server_is_a_connect_error_naming_the_host() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/embeddings", listener.local_addr().unwrap());
        drop(listener);
        let http = Http::new(Timeouts {
            connect: Some(Duration::from_secs(2)),
            total: Some(Duration::from_secs(2)),
        });
        match http.get(&url, &[]) {
            Err(HttpError::Connect { host, .. }) => assert!(url.contains(&host)),
            other => panic!("{other:?}"),
        }
    }
}
