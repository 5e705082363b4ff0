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
//! how it changed (the [`ChangeFacts`] the history gives it, which
//! depend on whether it leads its file). A memo record keeps the line's
//! hash, those three and a digest of its change facts
//! ([`change_digest`]) beside the summary; a symbol is recalled only when
//! all of them are the same now, under the same build of the code that
//! writes summaries (the one memo's build id). A new commit changes the
//! history, and so the change facts of the symbols it touched (and of
//! their files' partners), not the others'. Anything else — another hash,
//! a damaged record, another build — documents the symbol as a cold run
//! does, so `docs.json` is the same bytes either way.
//!
//! The memo is an entry of the one memo ([`doctown_pipeline::memo`],
//! [`SLOT`]): a record per symbol in id order,
//! as the contexts are — its length, then its fields (strings with their
//! lengths). It is read as the contexts are, a block ahead, and written
//! as the docs are; neither is ever whole in memory.

use crate::artifacts::assemble::SymbolContext;
use crate::change_facts::ChangeFacts;
use crate::error::GenerateError;
use crate::facts::SymbolFacts;
use crate::history::Changes;
use crate::input::{bad_line, on_every_core, BlockLine, JsonlBlocks};
use crate::stream::{document, whole_facts, Brief, Documented, SymbolIndex};
use crate::writer::{is_top_ranked, Role};
use doctown_core::{Language, SymbolId, SymbolKind};
use doctown_pipeline::memo::Slot;
use std::io::{BufReader, Read};

/// The summaries' entry in the one memo.
pub const SLOT: Slot<'static> = Slot {
    name: "docs",
    version: 4,
    input: &[],
};

/// A digest of what the history says of a symbol (its JSON); 0 for
/// nothing.
pub fn change_digest(facts: Option<&ChangeFacts>) -> u128 {
    facts.map_or(0, |f| {
        let bytes = serde_json::to_vec(f).unwrap_or_default();
        twox_hash::XxHash3_128::oneshot(&bytes)
    })
}

/// What the memo keeps of a symbol: what its summary was written from
/// beyond its context line, and what the aggregates read of it.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    id: String,
    /// The context line's hash.
    line: u128,
    /// Its change facts' digest ([`change_digest`]).
    changes: u128,
    /// The parent's id, whose kind the summary depends on, and that kind
    /// when a trait or an interface.
    parent: Option<String>,
    parent_kind: Option<SymbolKind>,
    top: bool,
    lead: bool,
    role: Role,
    summary: String,
    brief: Brief,
}

/// Every role, in the order the memo numbers them.
const ROLES: [Role; 11] = [
    Role::EntryPoint,
    Role::Test,
    Role::Constructor,
    Role::TraitMethod,
    Role::Hub,
    Role::Leaf,
    Role::Helper,
    Role::Unused,
    Role::Unlinked,
    Role::Api,
    Role::Other,
];

/// A unit variant by its serde name.
fn named<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    use serde::de::IntoDeserializer;
    let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        name.into_deserializer();
    T::deserialize(name).ok()
}

impl Entry {
    /// The record: its length, then its fields.
    fn encode(&self) -> Vec<u8> {
        let b = &self.brief;
        let mut out = Vec::with_capacity(64 + self.summary.len() + 2 * b.path.len());
        out.extend_from_slice(&[0; 4]);
        put(&mut out, Some(&self.id));
        out.extend_from_slice(&self.line.to_le_bytes());
        out.extend_from_slice(&self.changes.to_le_bytes());
        put(&mut out, self.parent.as_deref());
        put(&mut out, self.parent_kind.map(SymbolKind::name));
        let role = ROLES.iter().position(|r| *r == self.role).unwrap_or(0) as u8;
        out.extend_from_slice(&[u8::from(self.top) | u8::from(self.lead) << 1, role]);
        put(&mut out, Some(&self.summary));
        put(&mut out, Some(&b.qualified_name));
        put(&mut out, Some(b.kind.name()));
        put(&mut out, Some(b.language.name()));
        put(&mut out, Some(&b.path));
        put(&mut out, Some(&b.module));
        put(&mut out, b.cluster.as_deref());
        put(&mut out, Some(b.file_role.name()));
        out.extend_from_slice(&b.centrality.to_le_bytes());
        out.extend_from_slice(&b.complexity.map_or(u64::MAX, u64::from).to_le_bytes());
        let supertypes = b.supertypes.join("\n");
        put(
            &mut out,
            (!b.supertypes.is_empty()).then_some(supertypes.as_str()),
        );
        let len = (out.len() - 4) as u32;
        out[..4].copy_from_slice(&len.to_le_bytes());
        out
    }

    /// A record's fields (after its length); `None` when damaged.
    fn decode(body: &[u8]) -> Option<Entry> {
        let mut r = Fields(body);
        let id = r.string()?;
        let line = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
        let changes = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
        let parent = r.text()?.map(str::to_string);
        let parent_kind = match r.text()? {
            Some(kind) => Some(named(kind)?),
            None => None,
        };
        let [flags, role] = r.take(2)? else {
            return None;
        };
        let entry = Entry {
            id,
            line,
            changes,
            parent,
            parent_kind,
            top: flags & 1 != 0,
            lead: flags & 2 != 0,
            role: *ROLES.get(usize::from(*role))?,
            summary: r.string()?,
            brief: Brief {
                qualified_name: r.string()?,
                kind: named(r.text()??)?,
                language: Language::from_name(r.text()??)?,
                path: r.string()?,
                module: r.string()?,
                cluster: r.text()?.map(str::to_string),
                file_role: named(r.text()??)?,
                centrality: f64::from_le_bytes(r.take(8)?.try_into().ok()?),
                complexity: match u64::from_le_bytes(r.take(8)?.try_into().ok()?) {
                    u64::MAX => None,
                    n => Some(u32::try_from(n).ok()?),
                },
                supertypes: r
                    .text()?
                    .map(|s| s.split('\n').map(str::to_string).collect())
                    .unwrap_or_default(),
            },
        };
        r.0.is_empty().then_some(entry)
    }
}

/// Appends a string (its length first) or none.
fn put(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
    }
}

/// A record's fields, read in turn.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.len() >= n).then(|| self.0.split_at(n))?;
        self.0 = rest;
        Some(head)
    }

    /// A string or none (`None` when damaged).
    fn text(&mut self) -> Option<Option<&'a str>> {
        match u32::from_le_bytes(self.take(4)?.try_into().ok()?) {
            u32::MAX => Some(None),
            n => Some(Some(std::str::from_utf8(self.take(n as usize)?).ok()?)),
        }
    }

    fn string(&mut self) -> Option<String> {
        self.text()?.map(str::to_string)
    }
}

/// The id of a record (its length included), if it reads.
fn record_id(record: &[u8]) -> Option<&str> {
    Fields(record.get(4..)?).text()?
}

/// The largest record read: a longer length is damage (a symbol's
/// summary and names are a few hundred bytes).
const MAX_RECORD: usize = 16 << 20;

/// The last run's memo, read in id order.
pub struct MemoReader {
    reader: BufReader<Box<dyn Read + Send>>,
    /// The next record (its length included), read ahead.
    next: Option<Vec<u8>>,
    ended: bool,
}

impl MemoReader {
    /// The records in `reader` (an entry's payload).
    pub fn new(reader: Box<dyn Read + Send>) -> MemoReader {
        MemoReader {
            reader: BufReader::with_capacity(1 << 20, reader),
            next: None,
            ended: false,
        }
    }

    /// The next record, or `None` at the end or at one that does not read
    /// (which ends the memo).
    fn read_record(&mut self) -> Option<Vec<u8>> {
        let mut len = [0u8; 4];
        let record = self.reader.read_exact(&mut len).ok().and_then(|()| {
            let body = u32::from_le_bytes(len) as usize;
            if body > MAX_RECORD {
                return None;
            }
            let mut record = Vec::with_capacity(4 + body);
            record.extend_from_slice(&len);
            record.resize(4 + body, 0);
            self.reader.read_exact(&mut record[4..]).ok()?;
            record_id(&record).is_some().then_some(record)
        });
        self.ended = record.is_none();
        record
    }

    /// The memo's record for `id`, if it has one; ids are asked for in
    /// increasing order (records before `id` are passed over).
    pub fn take(&mut self, id: &str) -> Option<Vec<u8>> {
        loop {
            if self.next.is_none() && !self.ended {
                self.next = self.read_record();
            }
            let next_id = record_id(self.next.as_ref()?)?;
            match next_id.cmp(id) {
                std::cmp::Ordering::Less => self.next = None,
                std::cmp::Ordering::Equal => return self.next.take(),
                std::cmp::Ordering::Greater => return None,
            }
        }
    }
}

/// The id a context line starts with (assemble writes `id` first), if
/// it does.
pub fn context_id(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("{\"id\":\"")?;
    let end = rest.bytes().position(|b| b == b'"' || b == b'\\')?;
    (rest.as_bytes()[end] == b'"' && end > 0).then(|| &rest[..end])
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
    /// The symbol of `line`, recalled from `kept` (its memo record) or
    /// documented, and its record for the next memo.
    pub fn document(
        &self,
        line: BlockLine,
        kept: Option<Vec<u8>>,
    ) -> Result<Remembered, GenerateError> {
        let hash = twox_hash::XxHash3_128::oneshot(line.text.as_bytes());
        if let Some(kept) = kept {
            if let Some(recalled) = self.recall(&line, &kept, hash) {
                return Ok((recalled, kept));
            }
        }
        let context: SymbolContext =
            serde_json::from_str(&line.text).map_err(|e| bad_line(self.key, line.number, e))?;
        let parent = context.parent.as_ref().map(|p| p.id.to_string());
        let d = document(self.index, self.changes, line.at, context);
        let entry = Entry {
            id: d.id.to_string(),
            line: hash,
            changes: change_digest(d.facts().and_then(|f| f.history.as_ref())),
            parent,
            parent_kind: d.facts().and_then(|f| f.parent_kind),
            top: is_top_ranked(self.index.rank(line.at)),
            lead: self.index.is_lead(line.at),
            role: d.role,
            summary: d.summary.clone(),
            brief: d.brief.clone(),
        };
        let d = if self.insights { d } else { d.without_facts() };
        Ok((d, entry.encode()))
    }

    /// The whole facts of the `at`th symbol from its context line, as
    /// [`document`] makes them: what the insights read of a recalled
    /// symbol they keep ([`crate::stream::Recall`]).
    pub fn whole_facts(&self, at: usize, line: &str) -> Result<SymbolFacts, GenerateError> {
        let context: SymbolContext =
            serde_json::from_str(line).map_err(|e| GenerateError::BadInput {
                key: self.key.to_string(),
                message: format!("symbol {}: {e}", at + 1),
            })?;
        Ok(whole_facts(self.index, self.changes, at, context))
    }

    /// The memo's summary of `line` when it still holds: the same line,
    /// parent kind, rank, lead and change facts.
    fn recall(&self, line: &BlockLine, kept: &[u8], hash: u128) -> Option<Documented> {
        let entry = Entry::decode(kept.get(4..)?)?;
        if entry.line != hash {
            return None;
        }
        let parent_kind = entry
            .parent
            .as_ref()
            .and_then(|p| self.index.abstract_kind(&SymbolId::from_raw(p.as_str())));
        let lead = self.index.is_lead(line.at);
        // The line names the symbol and its file: the same line, the same
        // id and path.
        let changes = self
            .changes
            .and_then(|c| c.of_symbol(&entry.id, &entry.brief.path, lead));
        let holds = parent_kind == entry.parent_kind
            && is_top_ranked(self.index.rank(line.at)) == entry.top
            && lead == entry.lead
            && change_digest(changes.as_ref()) == entry.changes;
        holds.then(|| {
            Documented::recalled(
                SymbolId::from_raw(entry.id),
                entry.brief,
                entry.role,
                entry.summary,
                line.at,
                self.insights.then(|| line.text.clone()),
            )
        })
    }
}

/// A documented symbol and its record for the next memo.
pub type Remembered = (Documented, Vec<u8>);

/// The next block of `blocks`, each line recalled from `memo` or
/// documented, on every core, with its record for the next memo; `None`
/// at the end.
pub fn next_block(
    blocks: &mut JsonlBlocks,
    memo: &mut Option<MemoReader>,
    recollection: &Recollection<'_>,
) -> Result<Option<Vec<Remembered>>, GenerateError> {
    let Some(lines) = blocks.next_lines()? else {
        return Ok(None);
    };
    let items: Vec<(BlockLine, Option<Vec<u8>>)> = lines
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

    fn reader(bytes: Vec<u8>) -> Box<dyn Read + Send> {
        Box::new(std::io::Cursor::new(bytes))
    }

    fn entry(id: &str) -> Entry {
        Entry {
            id: id.to_string(),
            line: 0xfeed_u128 << 70,
            changes: u128::from(id == "sym_a") << 100,
            parent: (id == "sym_b").then(|| "sym_a".to_string()),
            parent_kind: (id == "sym_b").then_some(SymbolKind::Interface),
            top: id == "sym_a",
            lead: true,
            role: Role::Unlinked,
            summary: "`f` does\nthings é".into(),
            brief: Brief {
                qualified_name: format!("m.{id}"),
                kind: SymbolKind::TypeAlias,
                language: Language::ObjC,
                path: "src/m.m".into(),
                module: "src".into(),
                cluster: (id != "sym_c").then(|| "object store".into()),
                file_role: doctown_core::FileRole::Generated,
                centrality: 0.125,
                complexity: (id == "sym_a").then_some(7),
                supertypes: match id {
                    "sym_a" => vec!["ObjectStore".into(), "Send".into()],
                    _ => Vec::new(),
                },
            },
        }
    }

    fn memo(ids: &[&str]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for id in ids {
            bytes.extend(entry(id).encode());
        }
        bytes
    }

    #[test]
    fn an_entry_reads_back_as_written() {
        for id in ["sym_a", "sym_b", "sym_c"] {
            let record = entry(id).encode();
            assert_eq!(record_id(&record), Some(id));
            assert_eq!(Entry::decode(&record[4..]), Some(entry(id)));
            assert_eq!(Entry::decode(&record[4..record.len() - 1]), None);
        }
        for role in ROLES {
            let mut e = entry("sym_a");
            e.role = role;
            assert_eq!(Entry::decode(&e.encode()[4..]).unwrap().role, role);
        }
    }

    proptest::proptest! {
        /// Any entry reads back as written; any bytes, as a record or as
        /// a memo, read as something or nothing, never a panic.
        #[test]
        fn records_round_trip_and_garbage_never_panics(
            id in "[a-z_0-9]{1,20}",
            summary in "\\PC{0,80}",
            path in "\\PC{0,40}",
            cluster in proptest::option::of("\\PC{0,20}"),
            centrality in proptest::num::f64::ANY,
            complexity in proptest::option::of(proptest::num::u32::ANY),
            flags in 0u8..4,
            role in 0usize..ROLES.len(),
            garbage in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        ) {
            let mut e = entry("sym_a");
            e.id = id;
            e.summary = summary;
            e.brief.path = path;
            e.brief.cluster = cluster;
            e.brief.centrality = centrality;
            e.brief.complexity = complexity;
            e.top = flags & 1 != 0;
            e.lead = flags & 2 != 0;
            e.role = ROLES[role];
            let record = e.encode();
            let back = Entry::decode(&record[4..]).unwrap();
            proptest::prop_assert_eq!(back.brief.centrality.to_bits(), centrality.to_bits());
            if !centrality.is_nan() {
                proptest::prop_assert_eq!(back, e);
            }
            let _ = Entry::decode(&garbage);
            let _ = record_id(&garbage);
            let bytes = [&garbage[..], &record].concat();
            let mut memo = MemoReader::new(reader(bytes));
            let _ = memo.take("sym_a");
            let _ = memo.take("~");
        }
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
        let mut memo = MemoReader::new(reader(memo(&["a", "c", "d"])));
        assert_eq!(memo.take("a"), Some(entry("a").encode()));
        assert_eq!(memo.take("b"), None);
        assert_eq!(memo.take("d"), Some(entry("d").encode()));
        assert_eq!(memo.take("e"), None);
    }

    #[test]
    fn a_damaged_record_ends_the_memo() {
        assert_eq!(MemoReader::new(reader(Vec::new())).take("a"), None);
        let mut bytes = memo(&["a"]);
        bytes.extend(b"\xff\xff\xff\x7fno record");
        bytes.extend(entry("c").encode());
        let mut memo = MemoReader::new(reader(bytes));
        assert!(memo.take("a").is_some());
        assert_eq!(memo.take("c"), None, "the memo ends at a damaged record");
    }
}
