//! An in-memory object store, for tests and single-process runs.

use crate::{validate_key, Condition, Etag, Object, ObjectStore, StoreError};
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct MemoryStore {
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn objects(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.objects
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn etag_of(bytes: &[u8]) -> Etag {
    crate::content_etag(bytes)
}

impl ObjectStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        validate_key(key)?;
        Ok(self.objects().get(key).map(|bytes| Object {
            bytes: bytes.clone(),
            etag: etag_of(bytes),
        }))
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError> {
        validate_key(key)?;
        self.objects().insert(key.to_string(), bytes.to_vec());
        Ok(etag_of(bytes))
    }

    fn put_if(&self, key: &str, bytes: &[u8], condition: &Condition) -> Result<Etag, StoreError> {
        validate_key(key)?;
        let mut objects = self.objects();
        let holds = match (condition, objects.get(key)) {
            (Condition::Absent, None) => true,
            (Condition::Matches(want), Some(current)) => &etag_of(current) == want,
            _ => false,
        };
        if !holds {
            return Err(StoreError::PreconditionFailed {
                key: key.to_string(),
            });
        }
        objects.insert(key.to_string(), bytes.to_vec());
        Ok(etag_of(bytes))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .objects()
            .range(prefix.to_string()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        self.objects().remove(key);
        Ok(())
    }
}
