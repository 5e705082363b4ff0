//! A symbol's source lines. A docpack holds ranges, not text: the lines are
//! read from a checkout of the repository when one is on this machine (the
//! local directory the docpack was built from, or one given at start), and
//! the file's SHA-256 is compared with the source map's, so lines from a
//! file that has changed since are marked stale rather than passed off as
//! the code the docpack describes.

use crate::pack::{Pack, Sym};
use doctown_docpack::SymbolNode;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Longest line shown, in characters.
const MAX_LINE_CHARS: usize = 240;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SourceLines {
    /// `path:start-end`.
    pub cite: String,
    /// The lines, each `"<number>: <text>"`; empty when no checkout is available.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    /// Lines of the symbol not shown (the limit was reached).
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: u32,
    /// The checkout's file differs from the one the docpack was built from.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// Why there are no lines, when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The first `max_lines` lines of symbol `i`.
pub fn source_lines(p: &Pack, i: Sym, max_lines: usize) -> SourceLines {
    let files = &p.docpack.source_map.files;
    let expected = |path: &str| {
        files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|k| files[k].sha256.clone())
    };
    lines_of(
        p.origin.checkout.as_deref(),
        p.symbol(i),
        expected,
        max_lines,
    )
}

/// The first `max_lines` lines of symbol `s` in the checkout at `root`;
/// `expected` gives the SHA-256 the docpack records for a path.
pub fn lines_of(
    root: Option<&std::path::Path>,
    s: &SymbolNode,
    expected: impl FnOnce(&str) -> Option<String>,
    max_lines: usize,
) -> SourceLines {
    let (start, end) = (s.range.start_line, s.range.end_line.max(s.range.start_line));
    let mut out = SourceLines {
        cite: format!("{}:{}-{}", s.path, start, end),
        ..SourceLines::default()
    };
    if max_lines == 0 {
        return out;
    }
    let Some(root) = root else {
        out.unavailable = Some("no checkout of the repository on this machine".into());
        return out;
    };
    let relative = std::path::Path::new(&s.path);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        out.unavailable = Some("the path is not inside the repository".into());
        return out;
    }
    let bytes = match std::fs::read(root.join(relative)) {
        Ok(b) => b,
        Err(e) => {
            out.unavailable = Some(format!("cannot read the checkout's file: {e}"));
            return out;
        }
    };
    let expected = expected(&s.path);
    out.stale = expected.is_some_and(|e| hex::encode(Sha256::digest(&bytes)) != e);
    let text = String::from_utf8_lossy(&bytes);
    let wanted = (end - start + 1) as usize;
    for (n, line) in text
        .lines()
        .enumerate()
        .skip((start as usize).saturating_sub(1))
        .take(wanted.min(max_lines))
    {
        let mut shown: String = line.chars().take(MAX_LINE_CHARS).collect();
        if shown.len() < line.len() {
            shown.push('…');
        }
        out.lines.push(format!("{}: {}", n + 1, shown));
    }
    out.omitted = wanted.saturating_sub(out.lines.len()) as u32;
    out
}
