//! The store contract: the behaviour every [`ObjectStore`] must have, as
//! functions other crates' tests call on their own stores (feature
//! `testing`). Each panics with an assertion message on a violation.
//!
//! Keys used: `a/b.json`, `a/c.json`, `b/big`, `w/made`, `w/dropped` (contract) and
//! `jobs/race/state.json` (racing updates); give each run an empty store or a
//! fresh key prefix.

use crate::*;
use doctown_core::{JobId, JobInput, JobState};
use std::io::Write;
use std::sync::Arc;

/// Get, put, conditional puts, streams, list, delete and key validation.
pub fn contract(store: &dyn ObjectStore) {
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
    // An object written piece by piece: nothing under its key before the
    // commit, nor ever from a writer dropped without one.
    let mut writer = store.writer("w/made").unwrap();
    writer.write_all(b"piece ").unwrap();
    writer.write_all(&vec![b'x'; 100_000]).unwrap();
    assert_eq!(store.get("w/made").unwrap(), None);
    assert_eq!(store.list("w/").unwrap(), Vec::<String>::new());
    let etag = writer.commit().unwrap();
    let made = store.get("w/made").unwrap().unwrap();
    assert_eq!(made.etag, etag);
    assert_eq!(made.bytes.len(), 100_006);
    assert!(made.bytes.starts_with(b"piece xx"));
    let mut dropped = store.writer("w/dropped").unwrap();
    dropped.write_all(b"never stored").unwrap();
    drop(dropped);
    assert_eq!(store.list("w/").unwrap(), vec!["w/made"]);
    assert_eq!(store.get("w/dropped").unwrap(), None);
    // A write deleted before it is made durable; then every write durable.
    store.put("b/gone", b"x").unwrap();
    store.delete("b/gone").unwrap();
    store.flush().unwrap();
    assert!(!store.exists("b/gone").unwrap());

    assert_eq!(store.list("a/").unwrap(), vec!["a/b.json", "a/c.json"]);
    assert_eq!(store.list("a/c").unwrap(), vec!["a/c.json"]);
    assert_eq!(store.list("zzz/").unwrap(), Vec::<String>::new());
    assert_eq!(
        store.get_bytes("a/b.json").unwrap().as_deref(),
        store.get("a/b.json").unwrap().map(|o| o.bytes).as_deref()
    );
    store.delete("a/b.json").unwrap();
    store.delete("a/b.json").unwrap();
    assert!(!store.exists("a/b.json").unwrap());
    assert_eq!(store.get_bytes("a/b.json").unwrap(), None);
    assert!(store.put("../escape", b"x").is_err());
}

/// Four threads each apply 25 increments through [`update_state`]; none may
/// be lost.
pub fn racing_updates(store: Arc<dyn ObjectStore>) {
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
