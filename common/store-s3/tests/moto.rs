//! `S3Store` against a real S3 protocol server (moto, started by
//! `scripts/start-moto.sh`; `DOCTOWN_TEST_S3_ENDPOINT` names it). Without
//! the variable these tests say loudly that they were skipped.

use doctown_store::testing::{contract, racing_updates};
use doctown_store::{Condition, ObjectStore, StoreError};
use doctown_store_s3::{S3Config, S3Store};
use std::io::Read;
use std::sync::Arc;

fn store(test: &str) -> Option<S3Store> {
    let Ok(endpoint) = std::env::var("DOCTOWN_TEST_S3_ENDPOINT") else {
        eprintln!(
            "\n*** SKIPPED {test}: DOCTOWN_TEST_S3_ENDPOINT is not set \
             (run scripts/start-moto.sh, or scripts/test.sh which does) ***\n"
        );
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let config = S3Config::local(endpoint, "doctown-store-tests")
        .with_prefix(format!("{test}-{}-{nanos}", std::process::id()));
    let store = S3Store::connect(&config).unwrap();
    store.ensure_bucket().unwrap();
    Some(store)
}

#[test]
fn s3_store_meets_the_contract() {
    let Some(store) = store("contract") else {
        return;
    };
    contract(&store);
}

#[test]
fn s3_state_updates_lose_nothing() {
    let Some(store) = store("race") else { return };
    racing_updates(Arc::new(store));
}

#[test]
fn if_match_on_a_missing_key_is_a_lost_race() {
    let Some(store) = store("missing") else {
        return;
    };
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
fn large_objects_go_multipart_and_stream_back() {
    // Creates the bucket (and skips without a server).
    let Some(_) = store("multipart") else {
        return;
    };
    let Ok(endpoint) = std::env::var("DOCTOWN_TEST_S3_ENDPOINT") else {
        return;
    };
    let mut config = S3Config::local(endpoint, "doctown-store-tests")
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
fn calling_from_async_code_is_an_error_not_a_panic() {
    let Some(store) = store("async") else { return };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt.block_on(async { store.get("a/b").unwrap_err() });
    assert!(err.to_string().contains("spawn_blocking"), "{err}");
}
