//! Writing JSON Lines artifacts to the object store, chunks in shards.

use doctown_store::{ObjectStore, StoreError};
use serde::Serialize;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Appends serialised lines and writes a new shard every `shard_size` items.
pub struct ShardWriter<'a> {
    store: &'a dyn ObjectStore,
    key_of: Box<dyn Fn(usize) -> String + 'a>,
    shard_size: usize,
    buffer: Vec<u8>,
    in_shard: usize,
    keys: Vec<String>,
    /// Where finished shards go when another thread stores them.
    putter: Option<SyncSender<Shard>>,
}

/// A finished shard: its key and bytes.
pub type Shard = (String, Vec<u8>);

/// A channel for finished shards and the work of the thread that stores
/// them (run it on a thread; it ends when every sender is dropped, or at
/// the first failed put). A few shards wait at most.
pub fn shard_putter(
    store: &dyn ObjectStore,
) -> (
    SyncSender<Shard>,
    impl FnOnce() -> Result<(), StoreError> + '_,
) {
    let (sender, receiver): (SyncSender<Shard>, Receiver<Shard>) = sync_channel(4);
    let put = move || {
        for (key, bytes) in receiver {
            store.put(&key, &bytes)?;
        }
        Ok(())
    };
    (sender, put)
}

impl<'a> ShardWriter<'a> {
    pub fn new(
        store: &'a dyn ObjectStore,
        shard_size: usize,
        key_of: impl Fn(usize) -> String + 'a,
    ) -> Self {
        ShardWriter {
            store,
            key_of: Box::new(key_of),
            shard_size: shard_size.max(1),
            buffer: Vec::new(),
            in_shard: 0,
            keys: Vec::new(),
            putter: None,
        }
    }

    /// Hands each finished shard to `putter` (see [`shard_putter`])
    /// instead of storing it on this thread.
    pub fn put_through(&mut self, putter: SyncSender<Shard>) {
        self.putter = Some(putter);
    }

    pub fn push<T: Serialize>(&mut self, item: &T) -> Result<(), StoreError> {
        push_line(&mut self.buffer, item);
        self.counted()
    }

    /// Appends one line already serialised (without its end).
    pub fn push_serialised(&mut self, line: &[u8]) -> Result<(), StoreError> {
        self.buffer.extend_from_slice(line);
        self.buffer.push(b'\n');
        self.counted()
    }

    fn counted(&mut self) -> Result<(), StoreError> {
        self.in_shard += 1;
        if self.in_shard == self.shard_size {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if self.in_shard > 0 {
            let key = (self.key_of)(self.keys.len());
            match &self.putter {
                Some(putter) => {
                    let shard = (key.clone(), std::mem::take(&mut self.buffer));
                    putter.send(shard).map_err(|_| {
                        StoreError::io(&key, std::io::Error::other("the shard writer stopped"))
                    })?;
                }
                None => {
                    self.store.put(&key, &self.buffer)?;
                    self.buffer.clear();
                }
            }
            self.keys.push(key);
            self.in_shard = 0;
        }
        Ok(())
    }

    /// Writes (or hands over) the last shard, lets go of the putter and
    /// returns every shard's key.
    pub fn close(&mut self) -> Result<Vec<String>, StoreError> {
        let flushed = self.flush();
        self.putter = None;
        flushed.map(|()| std::mem::take(&mut self.keys))
    }
}

/// Serialises `item` as one JSON line.
pub fn push_line<T: Serialize>(buffer: &mut Vec<u8>, item: &T) {
    serde_json::to_writer(&mut *buffer, item).expect("artifact types serialise");
    buffer.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_store::{Condition, Etag, MemoryStore, Object};

    /// A memory store that refuses to store one key.
    struct Refusing {
        inner: MemoryStore,
        refused: &'static str,
    }

    impl ObjectStore for Refusing {
        fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
            self.inner.get(key)
        }
        fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError> {
            if key == self.refused {
                return Err(StoreError::io(key, std::io::Error::other("disk full")));
            }
            self.inner.put(key, bytes)
        }
        fn put_if(&self, key: &str, bytes: &[u8], c: &Condition) -> Result<Etag, StoreError> {
            self.inner.put_if(key, bytes, c)
        }
        fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
            self.inner.list(prefix)
        }
        fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.inner.delete(key)
        }
    }

    /// Seven lines in shards of two, stored here or on a thread (as the
    /// ingest does: a failed put there is the error).
    fn write(store: &dyn ObjectStore, on_a_thread: bool) -> Result<Vec<String>, StoreError> {
        std::thread::scope(|scope| {
            let mut writer = ShardWriter::new(store, 2, |i| format!("chunks-{i:05}.jsonl"));
            let storing = on_a_thread.then(|| {
                let (putter, put) = shard_putter(store);
                writer.put_through(putter);
                scope.spawn(put)
            });
            let pushed: Result<(), StoreError> = (0..7)
                .try_for_each(|i| writer.push_serialised(format!("{{\"line\":{i}}}").as_bytes()));
            let keys = writer.close();
            if let Some(storing) = storing {
                storing.join().unwrap()?;
            }
            pushed?;
            keys
        })
    }

    #[test]
    fn shards_stored_on_a_thread_are_the_shards_stored_here() {
        let (here, there) = (MemoryStore::new(), MemoryStore::new());
        let keys = write(&here, false).unwrap();
        assert_eq!(keys.len(), 4);
        assert_eq!(write(&there, true).unwrap(), keys);
        for key in &keys {
            let bytes = here.get_bytes(key).unwrap().unwrap();
            assert_eq!(there.get_bytes(key).unwrap(), Some(bytes));
        }
        let last = String::from_utf8(here.get_bytes(&keys[3]).unwrap().unwrap()).unwrap();
        assert_eq!(last, "{\"line\":6}\n");
    }

    #[test]
    fn a_put_that_fails_on_the_thread_is_the_error() {
        for refused in [
            "chunks-00000.jsonl",
            "chunks-00001.jsonl",
            "chunks-00003.jsonl",
        ] {
            let store = Refusing {
                inner: MemoryStore::new(),
                refused,
            };
            let error = write(&store, true).unwrap_err().to_string();
            assert!(error.contains("disk full"), "{refused}: {error}");
        }
    }
}
