//! Where symbols come from: the caller's parser, behind one trait, so this
//! crate knows nothing of the extractor.

use crate::record::SymbolSpan;

/// Gives the symbols of one version of a file. Called from several
/// threads at once (one version at a time per thread); results are cached
/// by blob id, so each version is parsed about once.
pub trait SymbolSource: Sync {
    /// Whether files at `path` can have symbols; checked before any blob
    /// is read.
    fn supports(&self, path: &str) -> bool;

    /// The symbols of `content`, the file at `path`. Names must be unique
    /// within the file and not depend on the path (so symbols keep their
    /// history when a file moves). Lines are 1-based and inclusive.
    fn symbols(&self, path: &str, content: &[u8]) -> Vec<SymbolSpan>;

    /// Changes whenever `symbols` may answer differently for the same
    /// input (the parser's version, its rules): the reader's cache keeps
    /// symbols under it, so a new parser never reuses an old one's.
    fn fingerprint(&self) -> String;
}
