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

/// How many more bytes of a file being written make it due for another
/// sync ([`Writeback`]).
const WRITEBACK_STEP: u64 = 8 << 20;

/// Starts the disk writes of a large object while it is still being
/// written: each time [`WRITEBACK_STEP`] more bytes are in its file, a
/// second handle to it is queued for a sync on the syncer's thread, so
/// the sync at its commit finds little left to write. A stage that writes
/// 140 MB of artifacts otherwise waits tens of milliseconds at its commit
/// for the disk. Nothing is queued when the queue is full (the commit's
/// sync still covers the file); a failed early sync is the next flush's
/// error, as any other.
#[derive(Debug, Default)]
pub(crate) struct Writeback {
    /// Bytes given to the writer, and the bytes in its file when it was
    /// last queued.
    written: u64,
    queued_at: u64,
}

impl Writeback {
    /// Counts `n` more bytes given to the writer; returns them all.
    pub(crate) fn wrote(&mut self, n: usize) -> u64 {
        self.written += n as u64;
        self.written
    }

    /// Queues a sync of `file` (the object `key`) once a step more of it
    /// than at the last one is in the file (`in_file` bytes: those past
    /// the writer's buffer).
    pub(crate) fn start(&mut self, key: &str, file: &File, in_file: u64) {
        if in_file < self.queued_at + WRITEBACK_STEP {
            return;
        }
        self.queued_at = in_file;
        if let Ok(handle) = file.try_clone() {
            syncer().submit_early(key, handle);
        }
    }
}

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
        match self.enqueue(key, file) {
            Ok(()) => Ok(()),
            Err(file) => file.sync_data().map_err(|e| StoreError::io(key, e)),
        }
    }

    /// Queues a sync of a file still being written ([`Writeback`]),
    /// unless the queue is full. Like any other, a failed sync is the
    /// next flush's error.
    fn submit_early(&'static self, key: &str, file: File) {
        let _ = self.enqueue(key, file);
    }

    /// Queues `file`, starting the syncer's thread on the first; gives the
    /// file back when the queue is full or the thread cannot start.
    fn enqueue(&'static self, key: &str, file: File) -> Result<(), File> {
        let mut queue = self.lock();
        if queue.files.len() >= MAX_QUEUED {
            return Err(file);
        }
        if !queue.started {
            let spawned = std::thread::Builder::new()
                .name("doctown-store-sync".into())
                .spawn(move || self.run());
            if spawned.is_err() {
                return Err(file);
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
    fn a_file_being_written_is_queued_for_a_sync_a_step_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("big")).unwrap();
        let mut writeback = Writeback::default();
        writeback.start("big", &file, WRITEBACK_STEP - 1);
        assert_eq!(writeback.queued_at, 0, "queued before a step was written");
        let before = syncer().lock().queued;
        writeback.start("big", &file, WRITEBACK_STEP);
        writeback.start("big", &file, WRITEBACK_STEP + 1);
        writeback.start("big", &file, 2 * WRITEBACK_STEP + 5);
        assert_eq!(writeback.queued_at, 2 * WRITEBACK_STEP + 5);
        // The syncer is the process's: other tests may queue beside this one.
        assert!(syncer().lock().queued >= before + 2);
        syncer().flush().unwrap();
    }

    #[test]
    fn a_local_store_queues_syncs_of_a_large_object_before_its_commit() {
        use crate::ObjectStore;
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let store = crate::LocalStore::open(dir.path()).unwrap();
        let mut writer = store.writer("jobs/j/big.bin").unwrap();
        let before = syncer().lock().queued;
        let mib = vec![7u8; 1 << 20];
        for _ in 0..(2 * WRITEBACK_STEP / (1 << 20) + 2) {
            writer.write_all(&mib).unwrap();
        }
        // The syncer is the process's: other tests may queue beside this one.
        assert!(
            syncer().lock().queued >= before + 2,
            "no sync before the commit"
        );
        writer.commit().unwrap();
        syncer().flush().unwrap();
        let stored = store.get_bytes("jobs/j/big.bin").unwrap().unwrap();
        assert_eq!(stored.len() as u64, 2 * WRITEBACK_STEP + (2 << 20));
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
