//! What can go wrong reading a history. Every failure is one of these;
//! nothing here panics on bad input.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{} is not a git repository", path.display())]
    NotARepository { path: PathBuf },

    #[error("{} has no commits yet", path.display())]
    NoCommits { path: PathBuf },

    #[error("`{revision}` names no commit of {}", path.display())]
    UnknownRevision { revision: String, path: PathBuf },

    /// An object that cannot be read: missing from the object database or
    /// not decompressing/parsing. `what` says where it was reached from.
    #[error("corrupted or missing git object {oid} ({what}): {message}")]
    CorruptObject {
        oid: String,
        what: String,
        message: String,
    },

    #[error("{context}: {source}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },

    #[error("a history worker thread stopped unexpectedly")]
    Worker,
}

impl HistoryError {
    pub(crate) fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> HistoryError {
        let context = context.into();
        move |source| HistoryError::Git { context, source }
    }
}
