//! The answer cache: one object per item in the object store, keyed by a
//! hash of everything that shapes the answer — prompt version, system
//! prompt, the item's facts block, model and parameters:
//!
//! `cache/generate/<model>/<first 2 hex of hash>/<hash>.json`
//!
//! Items are cached one by one (not per request), so a rebuild pays only
//! for symbols whose facts changed, however the batches fall. Entries that
//! do not parse count as misses and are overwritten.

use crate::config::GenerateConfig;
use crate::prompt::{ItemKind, PROMPT_VERSION};
use doctown_core::stable_hash_hex;
use doctown_store::{ObjectStore, StoreError};
use serde::{Deserialize, Serialize};

/// A cached answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedAnswer {
    pub summary: String,
    /// The model that wrote it, as the API reported it.
    pub model: String,
}

/// The cache of one model.
#[derive(Debug, Clone)]
pub struct AnswerCache {
    model_slug: String,
}

/// A model id as one safe key segment.
fn slug(model: &str) -> String {
    let s: String = model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.trim_matches('.') {
        "" => "model".to_string(),
        t => t.to_string(),
    }
}

impl AnswerCache {
    pub fn new(model: &str) -> Self {
        AnswerCache {
            model_slug: slug(model),
        }
    }

    /// `cache/generate/<model>/`
    pub fn prefix(&self) -> String {
        format!("cache/generate/{}/", self.model_slug)
    }

    pub fn key(&self, hash: &str) -> String {
        format!(
            "{}{}/{hash}.json",
            self.prefix(),
            &hash[..hash.len().min(2)]
        )
    }

    /// The hash of an item's answer inputs.
    pub fn hash(config: &GenerateConfig, kind: ItemKind, block_json: &str) -> String {
        let params = serde_json::json!({
            "model": config.model,
            "temperature": config.temperature,
            "response_format": config.response_format,
            "base_url": config.base_url,
            "azure_deployment": config.azure_deployment,
        });
        stable_hash_hex(
            &[
                PROMPT_VERSION.as_bytes(),
                kind.system_prompt().as_bytes(),
                block_json.as_bytes(),
                params.to_string().as_bytes(),
            ],
            64,
        )
    }

    pub fn get(
        &self,
        store: &dyn ObjectStore,
        hash: &str,
    ) -> Result<Option<CachedAnswer>, StoreError> {
        Ok(store
            .get_bytes(&self.key(hash))?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    pub fn put(
        &self,
        store: &dyn ObjectStore,
        hash: &str,
        answer: &CachedAnswer,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(answer).unwrap_or_default();
        store.put(&self.key(hash), &bytes).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_store::{validate_key, MemoryStore};

    #[test]
    fn keys_are_safe_and_hashes_sensitive() {
        let config = GenerateConfig::default();
        let cache = AnswerCache::new("org/../model:7b");
        let hash = AnswerCache::hash(&config, ItemKind::Symbol, "{\"name\":\"f\"}");
        validate_key(&cache.key(&hash)).unwrap();
        assert_ne!(
            hash,
            AnswerCache::hash(&config, ItemKind::Symbol, "{\"name\":\"g\"}")
        );
        assert_ne!(
            hash,
            AnswerCache::hash(&config, ItemKind::Module, "{\"name\":\"f\"}")
        );
        let other = GenerateConfig {
            model: "gpt-4o".into(),
            ..Default::default()
        };
        assert_ne!(
            hash,
            AnswerCache::hash(&other, ItemKind::Symbol, "{\"name\":\"f\"}")
        );
    }

    #[test]
    fn roundtrip_and_corrupt_entries_miss() {
        let store = MemoryStore::new();
        let cache = AnswerCache::new("gpt-4o-mini");
        let answer = CachedAnswer {
            summary: "Reads.".into(),
            model: "gpt-4o-mini".into(),
        };
        cache.put(&store, "abcd", &answer).unwrap();
        assert_eq!(cache.get(&store, "abcd").unwrap(), Some(answer));
        store.put(&cache.key("ef01"), b"not json").unwrap();
        assert_eq!(cache.get(&store, "ef01").unwrap(), None);
    }
}
