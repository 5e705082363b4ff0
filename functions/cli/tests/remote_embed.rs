//! The remote embedding backend through the real binary: `doctown build
//! --embeddings on` with `DOCTOWN_EMBED_BACKEND=openai` against a local
//! OpenAI-compatible embeddings server that this test starts (deterministic
//! 16-dimensional vectors from a hash of each text), then `doctown search`
//! with the same environment, which must embed the query on that server.
//! No model files are needed.

mod common;

use common::{doctown, fixture, stderr};
use serde_json::{json, Value};
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

const DIMS: usize = 16;
const MODEL: &str = "tiny-embed";

/// A text's vector before normalisation: multiples of 1/128, exact in JSON.
fn raw_vector(text: &str) -> Vec<f64> {
    use std::hash::{Hash, Hasher};
    (0..DIMS)
        .map(|i| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (text, i).hash(&mut h);
            (h.finish() % 256) as f64 / 128.0 - 1.0 + 1.0 / 256.0
        })
        .collect()
}

fn unit(text: &str) -> Vec<f32> {
    doctown_embed::pooling::normalize(&raw_vector(text))
}

struct Server {
    url: String,
    requests: Arc<Mutex<Vec<Value>>>,
}

/// An embeddings server on 127.0.0.1:0 that records each request body.
fn embedding_server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let request = common::read_json_request(&stream);
            let data: Vec<Value> = request["input"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, t)| json!({"index": i, "embedding": raw_vector(t.as_str().unwrap())}))
                .collect();
            seen.lock().unwrap().push(request);
            let answer = json!({"object": "list", "data": data, "model": MODEL}).to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    Server { url, requests }
}

/// The binary with the remote backend pointed at `server`.
fn remote(server: &Server) -> std::process::Command {
    let mut cmd = doctown();
    cmd.env("DOCTOWN_EMBED_BACKEND", "openai")
        .env("DOCTOWN_EMBED_BASE_URL", &server.url)
        .env("DOCTOWN_EMBED_MODEL", MODEL)
        .env("DOCTOWN_EMBED_BATCH_SIZE", "8")
        .env_remove("DOCTOWN_EMBED_API_KEY")
        .env_remove("OPENAI_API_KEY")
        .env_remove("DOCTOWN_LLM_BACKEND")
        .env_remove("DOCTOWN_EMBEDDINGS");
    cmd
}

fn inputs(server: &Server) -> Vec<String> {
    let requests = server.requests.lock().unwrap();
    requests
        .iter()
        .flat_map(|r| r["input"].as_array().unwrap().clone())
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_docpack_built_with_a_remote_model_is_searched_with_it() {
    let server = embedding_server();
    let dir = tempfile::tempdir().unwrap();
    let (store, pack) = (dir.path().join("store"), dir.path().join("shop.docpack"));
    let build = remote(&server)
        .args([
            "build",
            fixture("shop").to_str().unwrap(),
            "--embeddings",
            "on",
        ])
        .args([
            "--store",
            store.to_str().unwrap(),
            "-o",
            pack.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", stderr(&build));
    for r in server.requests.lock().unwrap().iter() {
        assert_eq!(r["model"], MODEL);
    }

    let docpack = doctown_docpack::read_docpack(&pack).unwrap();
    let model_id = format!("openai:{MODEL}");
    assert_eq!(
        docpack.manifest.models.embedding.as_deref(),
        Some(model_id.as_str())
    );
    let embeddings = docpack
        .embeddings
        .as_ref()
        .expect("the docpack has embeddings");
    assert_eq!(embeddings.dims(), DIMS);
    assert!(embeddings.len() >= 10, "{} vectors", embeddings.len());
    // Every vector is the server's answer for a text it was sent, normalised.
    let answers: Vec<Vec<f32>> = inputs(&server).iter().map(|t| unit(t)).collect();
    for (chunk, vector) in embeddings.iter() {
        assert!(
            answers.iter().any(|a| a == vector),
            "{chunk} is not a server vector"
        );
    }

    let query = "apply a discount to an order";
    let search = remote(&server)
        .args([
            "search",
            pack.to_str().unwrap(),
            query,
            "--json",
            "--mode",
            "semantic",
        ])
        .output()
        .unwrap();
    assert!(search.status.success(), "{}", stderr(&search));
    assert!(
        inputs(&server).iter().any(|t| t == query),
        "the query was not sent"
    );
    let result: Value = serde_json::from_slice(&search.stdout).unwrap();
    assert!(!result["hits"].as_array().unwrap().is_empty(), "{result}");
    assert!(
        !result.to_string().contains("searched by words"),
        "{result}"
    );

    // Without the remote backend the host's model differs, and search says so.
    let local = doctown()
        .env("DOCTOWN_EMBED_BACKEND", "onnx")
        .args(["search", pack.to_str().unwrap(), query, "--json"])
        .output()
        .unwrap();
    assert!(local.status.success(), "{}", stderr(&local));
    let notes = String::from_utf8_lossy(&local.stdout);
    assert!(
        notes.contains(&format!("embedded with {model_id}")),
        "{notes}"
    );
}
