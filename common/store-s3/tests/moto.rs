//! `S3Store` against a real S3 protocol server (moto, started by
//! `scripts/start-moto.sh`; `DOCTOWN_TEST_S3_ENDPOINT` names it). Ignored by a
//! plain `cargo test`; `scripts/test.sh` runs them with `--include-ignored`
//! and the server up, and without the variable they fail rather than pass.

use doctown_store::testing::{contract, racing_updates};
use doctown_store::{Condition, ObjectStore, StoreError};
use doctown_store_s3::{S3Config, S3Store};
use std::io::Read;
use std::sync::Arc;

/// The moto endpoint; a test that runs without one fails.
fn endpoint() -> String {
    match std::env::var("DOCTOWN_TEST_S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!(
            "this test needs a local S3/SQS server: DOCTOWN_TEST_S3_ENDPOINT is not set \
             (run `bash scripts/start-moto.sh` and export what it prints, or scripts/test.sh)"
        ),
    }
}

fn store(test: &str) -> S3Store {
    let endpoint = endpoint();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let config = S3Config::local(endpoint, "doctown-store-tests")
        .with_prefix(format!("{test}-{}-{nanos}", std::process::id()));
    let store = S3Store::connect(&config).unwrap();
    store.ensure_bucket().unwrap();
    store
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn s3_store_meets_the_contract() {
    contract(&store("contract"));
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn s3_state_updates_lose_nothing() {
    racing_updates(Arc::new(store("race")));
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn if_match_on_a_missing_key_is_a_lost_race() {
    let store = store("missing");
    let err = store
        .put_if("x/y", b"1", &Condition::Matches("\"abc\"".into()))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::PreconditionFailed { .. }),
        "{err}"
    );
    assert!(!store.exists("x/y").unwrap());
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn large_objects_go_multipart_and_stream_back() {
    // Creates the bucket.
    store("multipart");
    let mut config = S3Config::local(endpoint(), "doctown-store-tests")
        .with_prefix(format!("multipart-{}", std::process::id()));
    config.part_size = 5 * 1024 * 1024;
    let store = S3Store::connect(&config).unwrap();
    let data: Vec<u8> = (0..11 * 1024 * 1024 + 17)
        .map(|i| (i % 251) as u8)
        .collect();
    let etag = store.put_stream("big/blob.bin", &mut &data[..]).unwrap();
    assert!(
        etag.contains('-'),
        "a multipart etag ends in -<parts>: {etag}"
    );
    let mut back = Vec::new();
    store
        .get_stream("big/blob.bin")
        .unwrap()
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back.len(), data.len());
    assert!(back == data, "streamed bytes differ");
    assert!(store.get_stream("big/none").unwrap().is_none());
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn the_store_works_from_any_thread() {
    // Writes, conditional writes, a streamed multi-chunk read and the last
    // drop, all from inside an async task and from a spawn_blocking thread —
    // where a bare `Runtime::block_on` would panic.
    let store = Arc::new(store("anywhere"));
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let outer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    outer.block_on(async {
        store.put("a/big", &data).unwrap();
        store.put_if("a/new", b"1", &Condition::Absent).unwrap();
        let mut back = Vec::new();
        let mut reader = store.get_stream("a/big").unwrap().unwrap();
        let mut reads = 0;
        let mut buf = [0u8; 4096];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            reads += 1;
            back.extend_from_slice(&buf[..n]);
        }
        assert!(reads > 700 && back == data, "{reads} reads");
        let pooled = store.clone();
        let keys = tokio::task::spawn_blocking(move || pooled.list("a/").unwrap())
            .await
            .unwrap();
        assert_eq!(keys, ["a/big", "a/new"]);
        let last = Arc::try_unwrap(store).unwrap();
        drop(last); // its runtime, dropped inside an async task
    });
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn presigned_urls_download_the_object() {
    let store = store("presign");
    store
        .put("jobs/j/pack/demo.docpack", b"\x1f\x8bdocpack")
        .unwrap();
    let url = store
        .presigned_get(
            "jobs/j/pack/demo.docpack",
            "demo.docpack",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let mut response = ureq::get(&url).call().unwrap();
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(disposition, "attachment; filename=\"demo.docpack\"");
    assert_eq!(
        response.body_mut().read_to_vec().unwrap(),
        b"\x1f\x8bdocpack"
    );
    // A tampered URL is refused.
    let tampered = url.replace("demo.docpack", "other.docpack");
    assert!(ureq::get(&tampered).call().is_err());
}
