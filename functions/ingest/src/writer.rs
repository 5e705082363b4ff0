//! Writing JSON Lines artifacts to the object store, chunks in shards.

use doctown_store::{ObjectStore, StoreError};
use serde::Serialize;

/// Appends serialised lines and writes a new shard every `shard_size` items.
pub struct ShardWriter<'a> {
    store: &'a dyn ObjectStore,
    key_of: Box<dyn Fn(usize) -> String + 'a>,
    shard_size: usize,
    buffer: Vec<u8>,
    in_shard: usize,
    keys: Vec<String>,
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
        }
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
            self.store.put(&key, &self.buffer)?;
            self.keys.push(key);
            self.buffer.clear();
            self.in_shard = 0;
        }
        Ok(())
    }

    /// Writes the last shard and returns every shard's key.
    pub fn finish(mut self) -> Result<Vec<String>, StoreError> {
        self.flush()?;
        Ok(self.keys)
    }
}

/// Serialises `item` as one JSON line.
pub fn push_line<T: Serialize>(buffer: &mut Vec<u8>, item: &T) {
    serde_json::to_writer(&mut *buffer, item).expect("artifact types serialise");
    buffer.push(b'\n');
}
