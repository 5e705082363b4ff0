//! Identifiers. Symbol and chunk ids are stable hashes of what they name, so
//! the same input always gives the same ids.

use crate::error::CoreError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Hex SHA-256 over the parts, each followed by a NUL so that `("ab","c")`
/// and `("a","bc")` differ; truncated to `hex_len` characters.
pub fn stable_hash_hex(parts: &[&[u8]], hex_len: usize) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
        hasher.update([0u8]);
    }
    let mut out = hex::encode(hasher.finalize());
    out.truncate(hex_len);
    out
}

/// A job id: safe to use as one path segment of an object key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobId(String);

impl JobId {
    /// Validates and wraps a job id.
    pub fn new(id: impl Into<String>) -> Result<Self, CoreError> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(JobId(id))
        } else {
            Err(CoreError::InvalidJobId(id))
        }
    }

    /// A new job id from a creation time (ms since the epoch) and some entropy;
    /// ids sort by creation time.
    pub fn generate(created_ms: u64, entropy: &[u8]) -> Self {
        let suffix = stable_hash_hex(&[&created_ms.to_be_bytes(), entropy], 8);
        JobId(format!("job-{created_ms:013x}-{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A string of the characters [`JobId::new`] accepts.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for JobId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "JobId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z0-9_-]{1,64}$",
            "examples": ["job-0190a1b2c3d4e-1a2b3c4d"],
        })
    }
}

impl TryFrom<String> for JobId {
    type Error = CoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        JobId::new(value)
    }
}

impl From<JobId> for String {
    fn from(value: JobId) -> Self {
        value.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! hashed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Box<str>);

        impl $name {
            /// The id for these parts: a prefix and 16 hex characters of SHA-256.
            pub fn from_parts(parts: &[&[u8]]) -> Self {
                $name(format!(concat!($prefix, "{}"), stable_hash_hex(parts, 16)).into())
            }

            /// Wraps an id read back from an artifact.
            pub fn from_raw(raw: impl Into<String>) -> Self {
                $name(raw.into().into_boxed_str())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

hashed_id!(
    /// A symbol id: hash of path, qualified name, kind and an ordinal that
    /// tells apart same-named symbols in one file.
    SymbolId,
    "sym_"
);
hashed_id!(
    /// A chunk id: hash of path, byte range and content.
    ChunkId,
    "chk_"
);

impl SymbolId {
    pub fn for_symbol(path: &str, qualified_name: &str, kind: &str, ordinal: u32) -> Self {
        SymbolId::from_parts(&[
            path.as_bytes(),
            qualified_name.as_bytes(),
            kind.as_bytes(),
            &ordinal.to_be_bytes(),
        ])
    }
}

impl ChunkId {
    pub fn for_chunk(path: &str, start: usize, end: usize, content: &[u8]) -> Self {
        ChunkId::from_parts(&[
            path.as_bytes(),
            &(start as u64).to_be_bytes(),
            &(end as u64).to_be_bytes(),
            content,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_path_safe() {
        assert!(JobId::new("job-1").is_ok());
        for bad in ["", "../x", "a/b", "A", "x y", &"a".repeat(65)] {
            assert!(JobId::new(bad).is_err(), "{bad:?} accepted");
        }
        let generated = JobId::generate(1_700_000_000_000, b"x");
        assert!(JobId::new(generated.as_str()).is_ok());
    }

    #[test]
    fn chunk_ids_are_stable_and_sensitive() {
        let a = ChunkId::for_chunk("src/a.rs", 0, 10, b"fn a() {}");
        assert_eq!(a, ChunkId::for_chunk("src/a.rs", 0, 10, b"fn a() {}"));
        assert_ne!(a, ChunkId::for_chunk("src/b.rs", 0, 10, b"fn a() {}"));
        assert_ne!(a, ChunkId::for_chunk("src/a.rs", 1, 10, b"fn a() {}"));
        assert_ne!(a, ChunkId::for_chunk("src/a.rs", 0, 10, b"fn b() {}"));
        assert!(a.as_str().starts_with("chk_") && a.as_str().len() == 20);
    }

    #[test]
    fn hash_parts_are_delimited() {
        assert_ne!(
            stable_hash_hex(&[b"ab", b"c"], 64),
            stable_hash_hex(&[b"a", b"bc"], 64)
        );
    }
}
