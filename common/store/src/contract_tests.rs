//! The behaviour every store must have, checked on each implementation.

use crate::testing::{contract, racing_updates};
use crate::*;
use std::sync::Arc;

#[test]
fn local_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(&LocalStore::open(dir.path()).unwrap());
}

#[test]
fn memory_store_contract() {
    contract(&MemoryStore::new());
}

#[test]
fn concurrent_state_updates_lose_nothing_local() {
    let dir = tempfile::tempdir().unwrap();
    racing_updates(Arc::new(LocalStore::open(dir.path()).unwrap()));
}

#[test]
fn concurrent_state_updates_lose_nothing_memory() {
    racing_updates(Arc::new(MemoryStore::new()));
}

#[test]
fn json_lines_skip_blank_lines_and_name_the_bad_line() {
    let parsed: Vec<u32> = parse_jsonl("k", b"1\n\n2\n  \n3\n").unwrap();
    assert_eq!(parsed, [1, 2, 3]);
    let err = parse_jsonl::<u32>("a/b.jsonl", b"1\nnope\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("a/b.jsonl") && err.contains("line 2"), "{err}");
    let store = MemoryStore::new();
    assert_eq!(get_jsonl::<u32>(&store, "missing").unwrap(), None);
}
