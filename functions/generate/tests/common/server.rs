//! A local OpenAI-compatible chat-completions server for tests: it records
//! every request and answers from a script (a function of the request
//! number and the request). Plain `std::net`, one thread per connection,
//! `Connection: close`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn message(&self, role: &str) -> String {
        let messages = self.body["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let m = messages
            .iter()
            .find(|m| m["role"] == role)
            .cloned()
            .unwrap_or_default();
        match &m["content"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// The JSON data block of the user message.
    pub fn data(&self) -> Value {
        let user = self.message("user");
        let inner = user
            .split_once("<facts>\n")
            .unwrap()
            .1
            .rsplit_once("\n</facts>")
            .unwrap()
            .0;
        serde_json::from_str(inner).unwrap()
    }

    /// The ids asked about.
    pub fn ids(&self) -> Vec<String> {
        self.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// What the script answers.
pub enum Reply {
    /// Status, body, extra headers.
    Raw(u16, String, Vec<(String, String)>),
    /// Wait this long, then close without answering.
    Hang(Duration),
}

pub type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

pub struct ScriptServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl ScriptServer {
    pub fn start(
        script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> ScriptServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let recorded = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (script, recorded) = (script.clone(), recorded.clone());
                std::thread::spawn(move || serve(stream, &*script, &recorded));
            }
        });
        ScriptServer { base_url, requests }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, script: &Script, recorded: &Mutex<Vec<Recorded>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    let request = Recorded {
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at: Instant::now(),
    };
    let n = {
        let mut all = recorded.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    let mut stream = stream;
    match script(n, &request) {
        Reply::Hang(d) => std::thread::sleep(d),
        Reply::Raw(status, body, extra) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    }
}

/// A chat completion with this content and usage.
pub fn completion(content: &str, prompt_tokens: u64, completion_tokens: u64) -> Reply {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000u32,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}
    });
    Reply::Raw(200, body.to_string(), Vec::new())
}

/// A good answer for every id asked, with scripted usage.
pub fn answer_all(request: &Recorded, prompt_tokens: u64, completion_tokens: u64) -> Reply {
    completion(
        &answer_json(&request.ids()),
        prompt_tokens,
        completion_tokens,
    )
}

pub fn answer_json(ids: &[String]) -> String {
    let items: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "summary": format!("Model summary of item {id}, written from its facts.")}))
        .collect();
    json!({ "summaries": items }).to_string()
}

pub fn error(status: u16, message: &str, headers: Vec<(String, String)>) -> Reply {
    let body = json!({"error": {"message": message, "type": "test_error", "code": null}});
    Reply::Raw(status, body.to_string(), headers)
}
