//! The embedding cache: one object per vector in the object store, keyed by
//! model id and the hash of the embedded text ([`crate::text::text_hash`]):
//!
//! `cache/embeddings/<model_id>/<first 2 hex of hash>/<hash>`
//!
//! An entry is `DTE1`, the dimension count (u32, little-endian) and the
//! vector's f32s (little-endian). Since keys are content hashes, a rebuild
//! embeds only new or changed texts, and jobs share entries. Entries that do
//! not parse (wrong size, NaN) count as misses and are overwritten.

use doctown_store::{ObjectStore, StoreError};

const MAGIC: &[u8; 4] = b"DTE1";

/// The cache of one model.
#[derive(Debug, Clone)]
pub struct EmbeddingCache {
    model_id: String,
}

impl EmbeddingCache {
    pub fn new(model_id: &str) -> Self {
        EmbeddingCache {
            model_id: model_id.to_string(),
        }
    }

    /// `cache/embeddings/<model_id>/`
    pub fn prefix(&self) -> String {
        format!("cache/embeddings/{}/", self.model_id)
    }

    /// The object key of a text hash.
    pub fn key(&self, hash: &str) -> String {
        format!("{}{}/{hash}", self.prefix(), &hash[..hash.len().min(2)])
    }

    /// The cached vector of a text hash, if any (and well-formed).
    pub fn get(&self, store: &dyn ObjectStore, hash: &str) -> Result<Option<Vec<f32>>, StoreError> {
        let key = self.key(hash);
        let Some(bytes) = store.get_bytes(&key)? else {
            return Ok(None);
        };
        let vector = decode(&bytes);
        if vector.is_none() {
            tracing::warn!(key, "ignoring a malformed embedding cache entry");
        }
        Ok(vector)
    }

    /// Whether a text hash has an entry (well-formed or not: whoever reads
    /// it with [`EmbeddingCache::get`] treats a malformed one as a miss).
    pub fn contains(&self, store: &dyn ObjectStore, hash: &str) -> Result<bool, StoreError> {
        store.exists(&self.key(hash))
    }

    /// Stores a vector under a text hash.
    pub fn put(
        &self,
        store: &dyn ObjectStore,
        hash: &str,
        vector: &[f32],
    ) -> Result<(), StoreError> {
        store.put(&self.key(hash), &encode(vector)).map(|_| ())
    }
}

/// Encodes a cache entry.
pub fn encode(vector: &[f32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 + vector.len() * 4);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(vector.len() as u32).to_le_bytes());
    for x in vector {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes
}

/// Decodes a cache entry; `None` when it is malformed.
pub fn decode(bytes: &[u8]) -> Option<Vec<f32>> {
    let (magic, rest) = bytes.split_at_checked(4)?;
    let (dims, data) = rest.split_at_checked(4)?;
    let dims = u32::from_le_bytes(dims.try_into().ok()?) as usize;
    if magic != MAGIC || dims == 0 || data.len() != dims * 4 {
        return None;
    }
    let vector: Vec<f32> = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    vector.iter().all(|x| x.is_finite()).then_some(vector)
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_store::MemoryStore;

    #[test]
    fn roundtrip_and_malformed_entries_are_misses() {
        let store = MemoryStore::default();
        let cache = EmbeddingCache::new("m");
        let hash = crate::text::text_hash("x", 256);
        assert_eq!(cache.get(&store, &hash).unwrap(), None);
        assert!(!cache.contains(&store, &hash).unwrap());
        cache.put(&store, &hash, &[0.5, -1.0]).unwrap();
        assert!(cache.contains(&store, &hash).unwrap());
        assert_eq!(cache.get(&store, &hash).unwrap(), Some(vec![0.5, -1.0]));
        assert!(cache
            .key(&hash)
            .starts_with(&format!("cache/embeddings/m/{}/", &hash[..2])));
        store.put(&cache.key(&hash), b"DTE1\x02\0\0\0abc").unwrap();
        assert_eq!(cache.get(&store, &hash).unwrap(), None);
        assert_eq!(decode(&encode(&[f32::NAN])), None);
        assert_eq!(decode(b""), None);
    }
}
