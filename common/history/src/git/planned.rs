//! A commit the walk chose, as the diffs (and the diagnosis of a failed
//! walk) take it: its id, author, time and parents.

use crate::record::Author;
use git2::Oid;

/// A commit to diff.
#[derive(Debug, Clone)]
pub struct Planned {
    pub oid: Oid,
    pub author: Author,
    pub time: i64,
    pub parents: u32,
    pub boundary: bool,
}
