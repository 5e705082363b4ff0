//! The summaries of a source's last facts run, kept for the next: a
//! rebuild after a small change finds nearly every context line as it
//! was, and takes such a symbol's summary, role and the few facts the
//! aggregates read from the memo instead of parsing the line and writing
//! the summary again.
//!
//! A summary is a function of the context line and, beyond it, of only
//! three things (see [`crate::stream::document`]): the kind of the
//! symbol's parent when it is a trait or an interface, whether its
//! centrality rank is among the top ([`is_top_ranked`], all
//! [`crate::writer::role_at`] reads of the rank), and, with a history,
//! how it changed (the history document and whether the symbol leads its
//! file). A memo line keeps the line's hash and those three beside the
//! summary; a symbol is recalled only when all of them are the same now,
//! under the same history digest and the same build of the code that
//! writes summaries ([`FINGERPRINT`]). Anything else — another hash, a
//! damaged line, another header — documents the symbol as a cold run
//! does, so `docs.json` is the same bytes either way.
//!
//! The memo is one object per source (`cache/generate/<source>.docs`),
//! a header line and then a line per symbol in id order, as the contexts
//! are: `<id>\t<hash>\t<entry JSON>`. It is read as the contexts are, a
//! block ahead, and written as the docs are; neither is ever whole in
//! memory.

use crate::artifacts::assemble::SymbolContext;
use crate::error::GenerateError;
use crate::history::Changes;
use crate::input::{bad_line, on_every_core, BlockLine, JsonlBlocks};
use crate::stream::{document, Brief, Documented, SymbolIndex};
use crate::writer::{is_top_ranked, Role};
use doctown_core::{SymbolId, SymbolKind};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read};

/// The build of the code a summary comes from: a hash of this crate's
/// source and of `doctown-core`'s (`build.rs`).
pub const FINGERPRINT: &str = env!("DOCTOWN_GENERATE_FINGERPRINT");

/// The memo's name among a source's caches (`cache/generate/<source>.docs`).
pub const NAME: &str = "docs";

/// The first line of a memo written by this build with this history
/// (`history`: its digest, [`history_digest`]).
pub fn header(history: Option<u128>) -> String {
    format!(
        "doctown-generate-memo 1 {FINGERPRINT} {:032x}",
        history.unwrap_or(0)
    )
}

/// A digest of a history document (its JSON).
pub fn history_digest(history: &doctown_docpack::history::History) -> u128 {
    let bytes = serde_json::to_vec(history).unwrap_or_default();
    twox_hash::XxHash3_128::oneshot(&bytes)
}

/// What the memo keeps of a symbol, after its id and line hash.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// The parent's id, whose kind the summary depends on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<SymbolId>,
    /// The parent's kind when a trait or an interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent_kind: Option<SymbolKind>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    top: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    lead: bool,
    role: Role,
    summary: String,
    brief: Brief,
}

/// The last run's memo, read in id order.
pub struct MemoReader {
    lines: std::io::Lines<BufReader<Box<dyn Read + Send>>>,
    /// The next line and its id's length.
    next: Option<(String, usize)>,
}

impl MemoReader {
    /// The memo in `reader` when its header is `expected`; `None` for
    /// another build's or history's memo, or an unreadable one.
    pub fn open(reader: Box<dyn Read + Send>, expected: &str) -> Option<MemoReader> {
        let mut lines = BufReader::with_capacity(1 << 20, reader).lines();
        match lines.next() {
            Some(Ok(first)) if first == expected => Some(MemoReader { lines, next: None }),
            _ => None,
        }
    }

    /// The memo's line for `id`, if it has one; ids are asked for in
    /// increasing order (lines before `id` are passed over). A line that
    /// cannot be read ends the memo.
    pub fn take(&mut self, id: &str) -> Option<String> {
        loop {
            if self.next.is_none() {
                let line = self.lines.next()?.ok()?;
                let Some(len) = line.find('\t') else {
                    self.lines = empty_lines();
                    return None;
                };
                self.next = Some((line, len));
            }
            let (line, len) = self.next.as_ref()?;
            match line[..*len].cmp(id) {
                std::cmp::Ordering::Less => self.next = None,
                std::cmp::Ordering::Equal => return self.next.take().map(|(line, _)| line),
                std::cmp::Ordering::Greater => return None,
            }
        }
    }
}

fn empty_lines() -> std::io::Lines<BufReader<Box<dyn Read + Send>>> {
    BufReader::new(Box::new(std::io::empty()) as Box<dyn Read + Send>).lines()
}

/// The id a context line starts with (assemble writes `id` first), if
/// it does.
pub fn context_id(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("{\"id\":\"")?;
    let end = rest.find(['"', '\\'])?;
    Some(&rest[..end]).filter(|id| rest.as_bytes()[end] == b'"' && !id.is_empty())
}

/// Documents context lines, recalling what the memo kept where it still
/// holds.
pub struct Recollection<'a> {
    pub index: &'a SymbolIndex,
    pub changes: Option<&'a Changes<'a>>,
    /// Whether the insights may read a recalled symbol's facts (then its
    /// line is kept with it).
    pub insights: bool,
    /// The contexts' key, for errors.
    pub key: &'a str,
}

impl Recollection<'_> {
    /// The symbol of `line`, recalled from `memo` (its memo line) or
    /// documented, and its line for the next memo.
    pub fn document(
        &self,
        line: BlockLine,
        memo: Option<String>,
    ) -> Result<(Documented, String), GenerateError> {
        let hash = twox_hash::XxHash3_128::oneshot(line.text.as_bytes());
        if let Some(memo) = memo {
            if let Some(recalled) = self.recall(&line, &memo, hash) {
                return Ok((recalled, memo));
            }
        }
        let context: SymbolContext =
            serde_json::from_str(&line.text).map_err(|e| bad_line(self.key, line.number, e))?;
        let parent = context.parent.as_ref().map(|p| p.id.clone());
        let d = document(self.index, self.changes, line.at, context);
        let entry = Entry {
            parent,
            parent_kind: d.facts().and_then(|f| f.parent_kind),
            top: is_top_ranked(self.index.rank(line.at)),
            lead: self.index.is_lead(line.at),
            role: d.role,
            summary: d.summary.clone(),
            brief: d.brief.clone(),
        };
        let json = serde_json::to_string(&entry)
            .map_err(|e| GenerateError::Runtime(format!("a memo line: {e}")))?;
        let memo = format!("{}\t{hash:032x}\t{json}", d.id);
        Ok((d, memo))
    }

    /// The memo's summary of `line` when it still holds: the same line,
    /// parent kind, rank and lead.
    fn recall(&self, line: &BlockLine, memo: &str, hash: u128) -> Option<Documented> {
        let mut parts = memo.splitn(3, '\t');
        let (id, kept_hash, json) = (parts.next()?, parts.next()?, parts.next()?);
        if u128::from_str_radix(kept_hash, 16).ok()? != hash {
            return None;
        }
        let entry: Entry = serde_json::from_str(json).ok()?;
        let parent_kind = entry
            .parent
            .as_ref()
            .and_then(|p| self.index.abstract_kind(p));
        let holds = parent_kind == entry.parent_kind
            && is_top_ranked(self.index.rank(line.at)) == entry.top
            && self.index.is_lead(line.at) == entry.lead;
        holds.then(|| {
            Documented::recalled(
                SymbolId::from_raw(id),
                entry.brief,
                entry.role,
                entry.summary,
                line.at,
                self.insights.then(|| line.text.clone()),
            )
        })
    }
}

/// The next block of `blocks`, each line recalled from `memo` or
/// documented, on every core, with its line for the next memo; `None` at
/// the end.
pub fn next_block(
    blocks: &mut JsonlBlocks,
    memo: &mut Option<MemoReader>,
    recollection: &Recollection<'_>,
) -> Result<Option<Vec<(Documented, String)>>, GenerateError> {
    let Some(lines) = blocks.next_lines()? else {
        return Ok(None);
    };
    let items: Vec<(BlockLine, Option<String>)> = lines
        .into_iter()
        .map(|line| {
            let kept = memo
                .as_mut()
                .zip(context_id(&line.text))
                .and_then(|(memo, id)| memo.take(id));
            (line, kept)
        })
        .collect();
    on_every_core(items, &|(line, kept)| recollection.document(line, kept)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &str) -> Box<dyn Read + Send> {
        Box::new(std::io::Cursor::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn a_context_line_names_its_id_first() {
        assert_eq!(
            context_id(r#"{"id":"sym_00ab","name":"f"}"#),
            Some("sym_00ab")
        );
        assert_eq!(context_id(r#"{"name":"f","id":"sym_00ab"}"#), None);
        assert_eq!(context_id(r#"{"id":"sym_\u0041b"}"#), None);
        assert_eq!(context_id(r#"{"id":""}"#), None);
        assert_eq!(context_id(r#"{"id":"sym_unterminated"#), None);
    }

    #[test]
    fn the_reader_takes_ids_in_order_and_passes_over_the_rest() {
        let head = header(None);
        let text = format!("{head}\na\t1\t{{}}\nc\t2\t{{}}\nd\t3\t{{}}\n");
        let mut memo = MemoReader::open(reader(&text), &head).unwrap();
        assert_eq!(memo.take("a").as_deref(), Some("a\t1\t{}"));
        assert_eq!(memo.take("b"), None);
        assert_eq!(memo.take("d").as_deref(), Some("d\t3\t{}"));
        assert_eq!(memo.take("e"), None);
    }

    #[test]
    fn another_header_or_a_damaged_line_is_no_memo() {
        let text = format!("{}\na\t1\t{{}}\n", header(Some(7)));
        assert!(MemoReader::open(reader(&text), &header(None)).is_none());
        assert!(MemoReader::open(reader(""), &header(None)).is_none());
        let head = header(None);
        let text = format!("{head}\na\t1\t{{}}\nno tab here\nc\t2\t{{}}\n");
        let mut memo = MemoReader::open(reader(&text), &head).unwrap();
        assert!(memo.take("a").is_some());
        assert_eq!(memo.take("c"), None, "the memo ends at a damaged line");
    }
}
