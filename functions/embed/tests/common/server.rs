//! A scripted OpenAI-compatible embeddings server on 127.0.0.1:0, one
//! thread per connection, for the remote backend's tests: each request is
//! recorded and answered as the test's script says for its number.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to answer one request.
pub enum Reply {
    /// A vector per input, derived from its hash ([`vector`]), `dims` long,
    /// listed in reverse order (so a client must place them by `index`),
    /// naming `model` if given, after `delay`.
    Vectors {
        dims: usize,
        model: Option<&'static str>,
        delay: Duration,
    },
    /// Exactly this.
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Reads the request, never answers (closes after a minute).
    Hang,
}

/// `Reply::Vectors` of model `m`, at once.
pub fn vectors(dims: usize) -> Reply {
    Reply::Vectors {
        dims,
        model: Some("m"),
        delay: Duration::ZERO,
    }
}

pub fn raw(status: u16, body: &str) -> Reply {
    Reply::Raw {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub body: Value,
    pub authorization: Option<String>,
}

type Script = dyn Fn(usize, &Value) -> Reply + Send + Sync;

pub struct Server {
    /// `http://127.0.0.1:PORT/v1`
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Server {
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The most requests it was answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// Starts a server answering request `n` (0-based) with `script(n, body)`.
pub fn start(script: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let script: Arc<Script> = Arc::new(script);
    let (record, max) = (seen.clone(), max_in_flight.clone());
    let in_flight = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (script, record, max, in_flight) = (
                script.clone(),
                record.clone(),
                max.clone(),
                in_flight.clone(),
            );
            std::thread::spawn(move || {
                let gauge = Gauge {
                    now: in_flight,
                    max,
                };
                serve(stream, &*script, &record, &gauge);
            });
        }
    });
    Server {
        url,
        seen,
        max_in_flight,
    }
}

/// Requests being answered: counted from when a request has been read to
/// just before its response is written, the span in which the client waits
/// on it (a connection's teardown after the response is not the client's).
struct Gauge {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

struct Counted<'a>(&'a Gauge);

impl Gauge {
    fn enter(&self) -> Counted<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        Counted(self)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve(mut stream: TcpStream, script: &Script, record: &Mutex<Vec<Seen>>, gauge: &Gauge) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let (mut length, mut authorization) = (0usize, None);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        if lower.starts_with("authorization:") {
            authorization = Some(line["authorization:".len()..].trim().to_string());
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let counted = gauge.enter();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let n = {
        let mut seen = record.lock().unwrap();
        seen.push(Seen {
            body: body.clone(),
            authorization,
        });
        seen.len() - 1
    };
    let (status, headers, text) = match script(n, &body) {
        Reply::Hang => {
            std::thread::sleep(Duration::from_secs(60));
            return;
        }
        Reply::Raw {
            status,
            headers,
            body,
        } => (status, headers, body),
        Reply::Vectors { dims, model, delay } => {
            std::thread::sleep(delay);
            (200, Vec::new(), answer(&body, dims, model).to_string())
        }
    };
    let mut head = format!(
        "HTTP/1.1 {status} S\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        text.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    drop(counted);
    let _ = write!(stream, "{head}\r\n{text}");
}

/// The answer to an embeddings request: data in reverse order.
fn answer(request: &Value, dims: usize, model: Option<&str>) -> Value {
    let inputs: Vec<&str> = request["input"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(
            |(i, text)| json!({"object": "embedding", "index": i, "embedding": vector(text, dims)}),
        )
        .collect();
    data.reverse();
    let mut out = json!({"object": "list", "data": data, "usage": {"prompt_tokens": 3 * inputs.len(), "total_tokens": 3 * inputs.len()}});
    if let Some(model) = model {
        out["model"] = model.into();
    }
    out
}

/// A text's vector: its SHA-256 bytes as multiples of 1/128 (exact in f32
/// and in JSON), not normalised.
pub fn vector(text: &str, dims: usize) -> Vec<f64> {
    let hash = Sha256::digest(text.as_bytes());
    (0..dims)
        .map(|i| (f64::from(hash[i % 32]) - 127.5) / 128.0)
        .collect()
}

/// What the client should store for `text`: [`vector`], L2-normalised.
pub fn unit(text: &str, dims: usize) -> Vec<f32> {
    doctown_embed::pooling::normalize(&vector(text, dims))
}
