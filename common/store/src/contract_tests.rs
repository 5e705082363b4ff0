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
