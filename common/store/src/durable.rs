//! Making a local store's writes durable off the writer's path.
//!
//! A plain write is visible as soon as its file is renamed into place; its
//! `fdatasync` (about 1.7 ms on this project's machines, one per object) is
//! done by one background thread of the process, while the writer goes on.
//! [`Syncer::flush`] waits until every write queued before it is on disk:
//! the local store calls it before each conditional write, so the state
//! document that records a stage as done is written only once everything
//! that stage wrote is durable. A crash before that commit leaves the
//! stage unfinished and it runs again, writing its objects anew; readers
//! of caches, which no commit guards, treat a damaged entry as a miss.
//!
//! The queue is bounded ([`MAX_QUEUED`] files): past it a writer syncs its
//! own file, so a burst of writes never holds more than that many open
//! files or leaves more than that many writes waiting.

use crate::StoreError;
use std::collections::VecDeque;
use std::fs::File;
use std::sync::{Condvar, Mutex, OnceLock};

/// How many written files may wait for their sync at once.
const MAX_QUEUED: usize = 64;

/// The process's background syncer (started on the first write).
pub(crate) fn syncer() -> &'static Syncer {
    static SYNCER: OnceLock<Syncer> = OnceLock::new();
    SYNCER.get_or_init(Syncer::default)
}

#[derive(Default)]
pub(crate) struct Syncer {
    queue: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Default)]
struct Queue {
    files: VecDeque<(String, File)>,
    /// Writes queued, and writes synced (or failed), since the start.
    queued: u64,
    finished: u64,
    /// The first sync that failed since the last flush reported one.
    failed: Option<StoreError>,
    started: bool,
}

impl Syncer {
    /// Queues `file` (the object under `key`, already in place) for its
    /// sync; syncs it here when the queue is full.
    pub(crate) fn submit(&'static self, key: &str, file: File) -> Result<(), StoreError> {
        let mut queue = self.lock();
        if queue.files.len() >= MAX_QUEUED {
            drop(queue);
            return file.sync_data().map_err(|e| StoreError::io(key, e));
        }
        if !queue.started {
            let spawned = std::thread::Builder::new()
                .name("doctown-store-sync".into())
                .spawn(move || self.run());
            if spawned.is_err() {
                drop(queue);
                return file.sync_data().map_err(|e| StoreError::io(key, e));
            }
            queue.started = true;
        }
        queue.files.push_back((key.to_string(), file));
        queue.queued += 1;
        self.changed.notify_all();
        Ok(())
    }

    /// Waits until every write queued so far is synced; the first sync
    /// that failed since the last flush is this flush's error.
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        let mut queue = self.lock();
        let target = queue.queued;
        while queue.finished < target {
            queue = self
                .changed
                .wait(queue)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        match queue.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn run(&self) {
        loop {
            let (key, file) = {
                let mut queue = self.lock();
                loop {
                    if let Some(next) = queue.files.pop_front() {
                        break next;
                    }
                    queue = self
                        .changed
                        .wait(queue)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
            };
            let synced = file.sync_data();
            drop(file);
            let mut queue = self.lock();
            if let Err(e) = synced {
                queue.failed.get_or_insert(StoreError::io(&key, e));
            }
            queue.finished += 1;
            self.changed.notify_all();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_returns_once_every_queued_file_is_synced() {
        let dir = tempfile::tempdir().unwrap();
        let syncer: &'static Syncer = Box::leak(Box::default());
        for n in 0..(MAX_QUEUED * 3) {
            let path = dir.path().join(format!("f{n}"));
            std::fs::write(&path, b"x").unwrap();
            syncer
                .submit(&format!("f{n}"), File::open(&path).unwrap())
                .unwrap();
        }
        syncer.flush().unwrap();
        let queue = syncer.lock();
        assert!(queue.files.is_empty());
        assert_eq!(queue.finished, queue.queued);
        assert!(queue.queued > 0, "nothing went through the background");
    }

    #[test]
    fn a_failed_sync_is_the_next_flushs_error_and_only_its() {
        let syncer: &'static Syncer = Box::leak(Box::default());
        let mut queue = syncer.lock();
        queue.failed = Some(StoreError::io(
            "jobs/j/a.json",
            std::io::Error::other("device gone"),
        ));
        drop(queue);
        let err = syncer.flush().unwrap_err();
        assert!(err.to_string().contains("jobs/j/a.json"), "{err}");
        syncer.flush().unwrap();
    }
}
