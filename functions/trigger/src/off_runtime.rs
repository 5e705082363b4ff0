//! Blocking clients (the S3 store, the SQS queues) own Tokio runtimes and
//! refuse to block on them from a thread that is inside another runtime's
//! context — which includes the trigger's `spawn_blocking` threads. These
//! helpers move such calls onto a plain (scoped) thread when needed.

use doctown_store::{Condition, Etag, Object, ObjectStore, StoreError};
use std::io::Read;
use std::sync::Arc;

/// Runs `f` here, or on a plain scoped thread when this thread is inside a
/// Tokio runtime's context.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// An [`ObjectStore`] whose calls run off any Tokio runtime (see
/// [`off_runtime`]): wrap a blocking store that owns its runtime (the S3
/// store) in it before giving it to the trigger's routes.
#[derive(Clone)]
pub struct OffRuntimeStore(pub Arc<dyn ObjectStore>);

struct OffRuntimeReader(Box<dyn Read + Send>);

impl Read for OffRuntimeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let inner = &mut self.0;
        off_runtime(move || inner.read(buf))
    }
}

impl ObjectStore for OffRuntimeStore {
    fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        off_runtime(|| self.0.get(key))
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError> {
        off_runtime(|| self.0.put(key, bytes))
    }

    fn put_if(&self, key: &str, bytes: &[u8], condition: &Condition) -> Result<Etag, StoreError> {
        off_runtime(|| self.0.put_if(key, bytes, condition))
    }

    fn put_stream(&self, key: &str, reader: &mut dyn Read) -> Result<Etag, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return self.0.put_stream(key, reader);
        }
        // The reader need not be `Send`: read it here, write it there.
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| StoreError::io(key, e))?;
        self.put(key, &bytes)
    }

    fn get_stream(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>, StoreError> {
        Ok(off_runtime(|| self.0.get_stream(key))?
            .map(|r| Box::new(OffRuntimeReader(r)) as Box<dyn Read + Send>))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        off_runtime(|| self.0.list(prefix))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        off_runtime(|| self.0.delete(key))
    }

    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        off_runtime(|| self.0.exists(key))
    }
}
