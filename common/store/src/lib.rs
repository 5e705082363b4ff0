//! The object-store interface and its local implementations.
//!
//! Every stage reads its inputs from and writes its outputs to an object store
//! under the job's prefix. Conditional writes (compare-and-swap on an etag)
//! keep concurrent updates of the state document from losing each other.
//!
//! Architecture invariant: stages see only the [`ObjectStore`] trait; which
//! store is behind it (local directory, memory, S3) is the host's choice.

mod durable;
mod error;
mod jsonl;
mod key;
mod local;
mod memory;
mod state;
mod writer;

pub use error::StoreError;
pub use jsonl::{bad_line, stream_jsonl, BlockLine, JsonlBlocks, BLOCK_LINES};
pub use key::validate_key;
pub use local::LocalStore;
pub use memory::MemoryStore;
pub use state::{create_state, job_ids_newest_first, load_state, succeeded_build, update_state};
pub use writer::ObjectWriter;

use std::io::Read;

/// An opaque version tag of an object's content.
pub type Etag = String;

/// The etag of a local or in-memory object: the XXH3-128 hash of its
/// bytes, in hex (an etag only has to change with the content, and a
/// non-cryptographic hash of a rebuild's hundreds of megabytes costs far
/// less than SHA-256's).
pub(crate) fn content_etag(bytes: &[u8]) -> Etag {
    format!("{:032x}", twox_hash::XxHash3_128::oneshot(bytes))
}

/// The precondition of a conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Write only if no object exists under the key (`If-None-Match: *`).
    Absent,
    /// Write only if the object's current etag is this one (`If-Match`).
    Matches(Etag),
}

/// An object read back with its etag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub bytes: Vec<u8>,
    pub etag: Etag,
}

/// A key-value store of immutable-ish blobs, S3-shaped.
pub trait ObjectStore: Send + Sync {
    /// Reads an object, or `None` when the key does not exist.
    fn get(&self, key: &str) -> Result<Option<Object>, StoreError>;

    /// The file on this machine that holds `key`, for a store that keeps
    /// its objects as files (a reader may then open it in place rather
    /// than read it whole); `None` for the others, or when it is absent.
    fn local_path(&self, _key: &str) -> Option<std::path::PathBuf> {
        None
    }

    /// Writes an object, replacing any previous one. It is readable at
    /// once, and durable by the time the next conditional write or
    /// [`ObjectStore::flush`] returns.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError>;

    /// Writes an object only if `condition` holds;
    /// [`StoreError::PreconditionFailed`] otherwise. Every earlier write
    /// is durable before this one is made, and this one on return.
    fn put_if(&self, key: &str, bytes: &[u8], condition: &Condition) -> Result<Etag, StoreError>;

    /// Streams an object in from a reader (large artifacts).
    fn put_stream(&self, key: &str, reader: &mut dyn Read) -> Result<Etag, StoreError> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| StoreError::io(key, e))?;
        self.put(key, &bytes)
    }

    /// A writer for a new version of `key`, for a large object made piece
    /// by piece: stored when the writer is committed, never before. By
    /// default the bytes are spooled to a temporary file and streamed in
    /// at the commit ([`ObjectStore::put_stream`]); a local store writes
    /// them in place.
    fn writer<'s>(&'s self, key: &str) -> Result<Box<dyn ObjectWriter + 's>, StoreError> {
        Ok(Box::new(writer::Spooled::new(self, key)?))
    }

    /// Opens an object for streaming reads, or `None` when it does not exist.
    fn get_stream(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>, StoreError> {
        Ok(self
            .get(key)?
            .map(|o| Box::new(std::io::Cursor::new(o.bytes)) as Box<dyn Read + Send>))
    }

    /// Keys under a prefix, sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;

    /// Deletes an object; deleting a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Waits until every write made so far is durable (the first failure
    /// to make one so is the error). Stores whose writes are durable on
    /// return have nothing to do.
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether an object exists.
    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.get(key)?.is_some())
    }

    /// An object's bytes without its ETag (which a local store computes
    /// by hashing them): for readers that never write the object back
    /// conditionally, such as a cache of many small entries.
    fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.get(key)?.map(|object| object.bytes))
    }
}

/// Parses a JSON Lines object (blank lines skipped); an error names the
/// object and the line.
pub fn parse_jsonl<T: serde::de::DeserializeOwned>(
    key: &str,
    bytes: &[u8],
) -> Result<Vec<T>, StoreError> {
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(n, line)| {
            serde_json::from_slice(line).map_err(|e| StoreError::Corrupt {
                key: key.to_string(),
                message: format!("line {}: {e}", n + 1),
            })
        })
        .collect()
}

/// Reads and parses a JSON Lines object, or `None` when the key does not exist.
pub fn get_jsonl<T: serde::de::DeserializeOwned>(
    store: &dyn ObjectStore,
    key: &str,
) -> Result<Option<Vec<T>>, StoreError> {
    store
        .get_bytes(key)?
        .map(|bytes| parse_jsonl(key, &bytes))
        .transpose()
}

/// Reads and parses a JSON object.
pub fn get_json<T: serde::de::DeserializeOwned>(
    store: &dyn ObjectStore,
    key: &str,
) -> Result<Option<T>, StoreError> {
    match store.get_bytes(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                key: key.to_string(),
                message: e.to_string(),
            }),
    }
}

/// The largest JSON object [`get_json_bounded`] parses from memory.
pub const JSON_IN_MEMORY: usize = 64 << 20;

/// Reads and parses a JSON object that may be too large to hold: from
/// memory when it is at most `in_memory` bytes (parsing a slice is about
/// twice as fast as parsing a reader), else as it is read, its text never
/// whole in memory. `None` when the key does not exist.
pub fn get_json_bounded<T: serde::de::DeserializeOwned>(
    store: &dyn ObjectStore,
    key: &str,
    in_memory: usize,
) -> Result<Option<T>, StoreError> {
    let Some(mut reader) = store.get_stream(key)? else {
        return Ok(None);
    };
    let mut head = Vec::new();
    (&mut reader)
        .take(in_memory as u64 + 1)
        .read_to_end(&mut head)
        .map_err(|e| StoreError::io(key, e))?;
    let parsed = if head.len() <= in_memory {
        serde_json::from_slice(&head)
    } else {
        let rest = std::io::Cursor::new(head).chain(reader);
        serde_json::from_reader(std::io::BufReader::with_capacity(1 << 20, rest))
    };
    parsed.map(Some).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        message: e.to_string(),
    })
}

/// Serialises and writes a JSON object (pretty, with a trailing newline).
pub fn put_json<T: serde::Serialize>(
    store: &dyn ObjectStore,
    key: &str,
    value: &T,
) -> Result<Etag, StoreError> {
    store.put(key, &to_json_bytes(value))
}

/// [`put_json`] for a large value: serialised into the store's
/// [`ObjectStore::writer`], so its text is never in memory. The same bytes.
pub fn put_json_streamed<T: serde::Serialize>(
    store: &dyn ObjectStore,
    key: &str,
    value: &T,
) -> Result<Etag, StoreError> {
    use std::io::Write;
    let mut out = store.writer(key)?;
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(|e| StoreError::io(key, e))?;
    out.commit()
}

pub(crate) fn to_json_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("serialising plain data cannot fail");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod contract_tests;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[test]
    fn a_json_object_parses_the_same_from_memory_and_as_it_is_read() {
        let store = MemoryStore::default();
        let value: Vec<String> = (0..500).map(|n| format!("item {n}")).collect();
        put_json(&store, "a.json", &value).unwrap();
        let len = store.get_bytes("a.json").unwrap().unwrap().len();
        for in_memory in [0, 1, len - 1, len, len * 2] {
            let read: Vec<String> = get_json_bounded(&store, "a.json", in_memory)
                .unwrap()
                .unwrap();
            assert_eq!(read, value, "in memory up to {in_memory} bytes");
        }
        store.put("bad.json", b"[1, 2").unwrap();
        for in_memory in [0, 100] {
            let err = get_json_bounded::<Vec<u32>>(&store, "bad.json", in_memory).unwrap_err();
            assert!(err.to_string().contains("bad.json"), "{err}");
        }
        assert!(get_json_bounded::<u32>(&store, "none.json", 10)
            .unwrap()
            .is_none());
    }

    #[test]
    fn put_json_streamed_writes_the_bytes_of_put_json() {
        let store = MemoryStore::new();
        let value = serde_json::json!({
            "docs": (0..3000).map(|i| serde_json::json!({"id": i, "summary": "x".repeat(i % 50)})).collect::<Vec<_>>(),
            "title": "a \"quoted\" name",
        });
        put_json(&store, "a.json", &value).unwrap();
        put_json_streamed(&store, "b.json", &value).unwrap();
        let a = store.get("a.json").unwrap().unwrap().bytes;
        let b = store.get("b.json").unwrap().unwrap().bytes;
        assert!(a == b && a.ends_with(b"}\n"));
    }

    /// More lines than a block, blank lines among them: every item, in
    /// order, as `keep` made it; a bad line named by its number.
    #[test]
    fn stream_jsonl_keeps_every_item_in_order_and_names_a_bad_line() {
        let store = MemoryStore::new();
        let mut text = String::new();
        for i in 0..20_000u32 {
            text.push_str(&format!("{{\"n\":{i}}}\n"));
            if i % 7 == 0 {
                text.push_str("  \n");
            }
        }
        store.put("a.jsonl", text.as_bytes()).unwrap();
        let kept = stream_jsonl(&store, "a.jsonl", |v: serde_json::Value| {
            v["n"].as_u64().unwrap() * 2
        })
        .unwrap()
        .unwrap();
        assert_eq!(kept, (0..20_000u64).map(|n| n * 2).collect::<Vec<_>>());
        assert!(stream_jsonl(&store, "missing", |v: serde_json::Value| v)
            .unwrap()
            .is_none());
        store.put("bad.jsonl", b"{\"n\":1}\n\n{\"n\":\n").unwrap();
        let err = stream_jsonl(&store, "bad.jsonl", |v: serde_json::Value| v).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        assert!(err.to_string().contains("bad.jsonl"), "{err}");
    }
}
