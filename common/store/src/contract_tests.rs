//! The behaviour every store must have, checked on each implementation.

use crate::*;
use doctown_core::{JobId, JobInput, JobState};
use std::sync::Arc;

fn contract(store: &dyn ObjectStore) {
    assert_eq!(store.get("a/b.json").unwrap(), None);
    let etag = store.put("a/b.json", b"one").unwrap();
    let object = store.get("a/b.json").unwrap().unwrap();
    assert_eq!(object.bytes, b"one");
    assert_eq!(object.etag, etag);

    assert!(matches!(
        store.put_if("a/b.json", b"x", &Condition::Absent),
        Err(StoreError::PreconditionFailed { .. })
    ));
    assert!(matches!(
        store.put_if("a/b.json", b"x", &Condition::Matches("stale".into())),
        Err(StoreError::PreconditionFailed { .. })
    ));
    store
        .put_if("a/b.json", b"two", &Condition::Matches(etag))
        .unwrap();
    store
        .put_if("a/c.json", b"new", &Condition::Absent)
        .unwrap();
    store
        .put_stream("b/big", &mut &vec![7u8; 200_000][..])
        .unwrap();
    let mut read = Vec::new();
    store
        .get_stream("b/big")
        .unwrap()
        .unwrap()
        .read_to_end(&mut read)
        .unwrap();
    assert_eq!(read.len(), 200_000);

    assert_eq!(store.list("a/").unwrap(), vec!["a/b.json", "a/c.json"]);
    assert_eq!(store.list("a/c").unwrap(), vec!["a/c.json"]);
    assert_eq!(store.list("zzz/").unwrap(), Vec::<String>::new());
    store.delete("a/b.json").unwrap();
    store.delete("a/b.json").unwrap();
    assert!(!store.exists("a/b.json").unwrap());
    assert!(store.put("../escape", b"x").is_err());
}

#[test]
fn local_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(&LocalStore::open(dir.path()).unwrap());
}

#[test]
fn memory_store_contract() {
    contract(&MemoryStore::new());
}

fn racing_updates(store: Arc<dyn ObjectStore>) {
    let job = JobId::new("race").unwrap();
    create_state(
        store.as_ref(),
        &JobState::new(job.clone(), JobInput::default(), "t".into()),
    )
    .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let job = job.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    update_state(store.as_ref(), &job, |s| s.next_event_seq += 1).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        load_state(store.as_ref(), &job)
            .unwrap()
            .unwrap()
            .next_event_seq,
        100
    );
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
