//! The one error type of the crate. Every message is a single line that names
//! the entry or limit at fault, so the CLI can print it as is.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DocpackError {
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Gzip or tar structure is damaged or truncated.
    #[error("not a valid docpack (corrupt or truncated archive): {0}")]
    Corrupt(String),
    #[error("cannot write the docpack: {0}")]
    Write(String),
    #[error("docpack format {found} is newer than this reader ({supported}); upgrade doctown")]
    NewerMajor { found: String, supported: String },
    #[error("docpack format {found} is older than this reader supports ({supported}); regenerate the docpack")]
    OlderMajor { found: String, supported: String },
    #[error("unrecognised docpack schema version {0:?} (expected \"docpack/MAJOR.MINOR\")")]
    BadVersion(String),
    #[error("unsafe entry path {0:?} in docpack (path traversal or absolute path)")]
    UnsafePath(String),
    #[error("unexpected entry {name:?} in docpack (not part of format {version})")]
    UnknownEntry { name: String, version: String },
    #[error("entry {0:?} in docpack is not a regular file")]
    NotAFile(String),
    #[error("duplicate entry {0:?} in docpack")]
    DuplicateEntry(String),
    #[error("docpack is missing required part {0}")]
    MissingPart(String),
    #[error("checksum mismatch in {name}: manifest says {expected}, content hashes to {actual}")]
    ChecksumMismatch {
        name: String,
        expected: String,
        actual: String,
    },
    #[error("docpack id mismatch: manifest says {expected}, content hashes to {actual}")]
    IdMismatch { expected: String, actual: String },
    #[error("docpack limit exceeded: {0}")]
    LimitExceeded(String),
    #[error("invalid JSON in {name}: {message}")]
    Json { name: String, message: String },
    #[error("invalid embeddings.bin: {0}")]
    Embeddings(String),
    #[error("invalid docpack content: {0}")]
    Invalid(String),
    #[error("query vector has {got} dimensions but the docpack's embeddings have {expected}")]
    DimensionMismatch { expected: usize, got: usize },
}

impl DocpackError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DocpackError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(name: &str, err: serde_json::Error) -> Self {
        DocpackError::Json {
            name: clean(name),
            message: clean(&err.to_string()),
        }
    }

    pub(crate) fn corrupt(msg: impl AsRef<str>) -> Self {
        DocpackError::Corrupt(clean(msg.as_ref()))
    }
}

/// Makes text from a damaged file safe for a one-line message: control
/// characters escaped, at most 300 characters.
pub(crate) fn clean(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() >= 300 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
