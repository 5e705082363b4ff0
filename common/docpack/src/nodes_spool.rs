//! `nodes.json` made from symbols handed over one at a time, in any order,
//! without holding them.
//!
//! Each [`SymbolNode`] is serialised as it arrives ([`prepare`], which a
//! producer can run on several threads) into a temporary file, as the
//! canonical JSON of a `symbols` list element; what the writer still needs
//! of it — its id, parent, cluster, path, role, language, centrality and
//! complexity, and for `access.bin` its name, qualified name, kind and
//! first line — stays in memory as a compact record (ids and names in one
//! text arena, paths and clusters interned). [`NodesSpool::finish`]
//! sorts the records by id, and the part is written by copying the
//! elements out in that order ([`SpooledNodes::write_part`]): the bytes of
//! `spool::write_part` on the whole sorted [`Nodes`].

use crate::canonical_writer::write_canonical_at;
use crate::error::DocpackError;
use crate::model::{Nodes, SymbolNode};
use crate::out::{spool_error, Out};
use doctown_core::{FileRole, Language, SymbolKind};
use rustc_hash::FxHashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The nesting depth of a `nodes.json` list element: the part's object,
/// its `symbols` member, the element.
const ELEMENT_DEPTH: usize = 2;

/// What the writer reads of a symbol besides its JSON: validation, the
/// module level, the statistics and the history's join.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymbolView<'a> {
    pub id: &'a str,
    pub parent: Option<&'a str>,
    pub cluster: Option<&'a str>,
    pub path: &'a str,
    pub role: Option<FileRole>,
    pub language: Language,
    pub centrality: f64,
    pub complexity: Option<u32>,
}

impl<'a> SymbolView<'a> {
    fn of(s: &'a SymbolNode) -> Self {
        SymbolView {
            id: &s.id,
            parent: s.parent.as_deref(),
            cluster: s.cluster.as_deref(),
            path: &s.path,
            role: s.role,
            language: s.language,
            centrality: s.centrality,
            complexity: s.metrics.complexity,
        }
    }
}

/// The symbols of a docpack being written: typed in memory, or spooled.
#[derive(Clone, Copy)]
pub enum Symbols<'a> {
    Typed(&'a Nodes),
    Spooled(&'a SpooledNodes),
}

impl<'a> Symbols<'a> {
    pub fn len(&self) -> usize {
        match self {
            Symbols::Typed(n) => n.symbols.len(),
            Symbols::Spooled(s) => s.records.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every symbol, in the order of the part (by id once canonical).
    pub fn iter(&self) -> Box<dyn Iterator<Item = SymbolView<'a>> + 'a> {
        match *self {
            Symbols::Typed(n) => Box::new(n.symbols.iter().map(SymbolView::of)),
            Symbols::Spooled(s) => Box::new(s.records.iter().map(move |r| s.view(r))),
        }
    }
}

/// What `access.bin` lists of a symbol ([`SpooledNodes::listed`]).
pub(crate) struct Listed<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub qualified_name: &'a str,
    pub kind: SymbolKind,
    pub path: &'a str,
    pub role: Option<FileRole>,
    pub start_line: u32,
    pub centrality: f64,
    /// Where its record starts in `nodes.json`, and its length.
    pub record: u64,
    pub record_len: u32,
}

/// A symbol serialised and reduced to what the writer keeps of it.
pub struct PreparedSymbol {
    id: String,
    parent: Option<String>,
    cluster: Option<String>,
    path: String,
    role: Option<FileRole>,
    language: Language,
    centrality: f64,
    complexity: Option<u32>,
    name: String,
    qualified_name: String,
    kind: SymbolKind,
    start_line: u32,
    element: Vec<u8>,
}

/// Serialises `node` as a `nodes.json` element and keeps its facts.
pub fn prepare(node: SymbolNode) -> Result<PreparedSymbol, DocpackError> {
    let mut out = Out::memory(Vec::new());
    write_canonical_at(&mut out, ELEMENT_DEPTH, &node)
        .map_err(|e| DocpackError::json(crate::entry::NODES, e))?;
    Ok(PreparedSymbol {
        element: out.into_buffer(),
        id: node.id,
        parent: node.parent,
        cluster: node.cluster,
        path: node.path,
        role: node.role,
        language: node.language,
        centrality: node.centrality,
        complexity: node.metrics.complexity,
        name: node.name,
        qualified_name: node.qualified_name,
        kind: node.kind,
        start_line: node.range.start_line,
    })
}

/// A stretch of [`SpooledNodes`]'s text arena.
#[derive(Debug, Clone, Copy)]
struct Text {
    start: u32,
    len: u32,
}

/// One symbol's record; `u32::MAX` stands for none.
#[derive(Debug, Clone, Copy)]
struct Record {
    id: Text,
    parent: Text,
    cluster: u32,
    path: u32,
    role: Option<FileRole>,
    language: Language,
    centrality: f64,
    complexity: Option<u32>,
    name: Text,
    qualified_name: Text,
    kind: SymbolKind,
    start_line: u32,
    offset: u64,
    len: u32,
}

const NONE: u32 = u32::MAX;

/// Symbols being spooled; [`NodesSpool::finish`] makes them a part.
pub struct NodesSpool {
    file: BufWriter<File>,
    written: u64,
    arena: String,
    paths: Interned,
    clusters: Interned,
    records: Vec<Record>,
}

/// Strings stored once each, by number.
#[derive(Default)]
struct Interned {
    list: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
}

impl Interned {
    fn add(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.into());
        self.index.insert(s.into(), i);
        i
    }
}

impl NodesSpool {
    /// A spool whose temporary file is in `dir` (removed when dropped).
    pub fn new(dir: &Path) -> Result<Self, DocpackError> {
        let file = tempfile::tempfile_in(dir).map_err(spool_error)?;
        Ok(NodesSpool {
            file: BufWriter::with_capacity(1 << 20, file),
            written: 0,
            arena: String::new(),
            paths: Interned::default(),
            clusters: Interned::default(),
            records: Vec::new(),
        })
    }

    fn text(&mut self, s: &str) -> Result<Text, DocpackError> {
        let start = u32::try_from(self.arena.len())
            .ok()
            .filter(|start| start.checked_add(s.len() as u32).is_some())
            .ok_or_else(|| {
                DocpackError::Write("nodes.json: over 4 GiB of symbol ids and names".into())
            })?;
        self.arena.push_str(s);
        Ok(Text {
            start,
            len: s.len() as u32,
        })
    }

    /// Adds one symbol (see [`prepare`]).
    pub fn push(&mut self, s: PreparedSymbol) -> Result<(), DocpackError> {
        let len = u32::try_from(s.element.len())
            .map_err(|_| DocpackError::Write(format!("symbol {} is over 4 GiB of JSON", s.id)))?;
        self.file.write_all(&s.element).map_err(spool_error)?;
        let id = self.text(&s.id)?;
        let parent = match &s.parent {
            Some(p) => self.text(p)?,
            None => Text {
                start: NONE,
                len: 0,
            },
        };
        let record = Record {
            id,
            parent,
            cluster: s.cluster.as_deref().map_or(NONE, |c| self.clusters.add(c)),
            path: self.paths.add(&s.path),
            role: s.role,
            language: s.language,
            centrality: s.centrality,
            complexity: s.complexity,
            name: self.text(&s.name)?,
            qualified_name: self.text(&s.qualified_name)?,
            kind: s.kind,
            start_line: s.start_line,
            offset: self.written,
            len,
        };
        self.written += u64::from(len);
        self.records.push(record);
        Ok(())
    }

    /// The symbols sorted by id (ties in the order given, as the in-memory
    /// writer's stable sort leaves them).
    pub fn finish(self) -> Result<SpooledNodes, DocpackError> {
        let file = self
            .file
            .into_inner()
            .map_err(|e| spool_error(e.into_error()))?;
        let mut nodes = SpooledNodes {
            file,
            arena: self.arena,
            paths: self.paths.list,
            clusters: self.clusters.list,
            records: self.records,
        };
        let mut records = std::mem::take(&mut nodes.records);
        records.sort_by(|a, b| nodes.str(a.id).cmp(nodes.str(b.id)));
        nodes.records = records;
        Ok(nodes)
    }
}

/// Symbols spooled and sorted by id: the content of `nodes.json`.
pub struct SpooledNodes {
    file: File,
    arena: String,
    paths: Vec<Box<str>>,
    clusters: Vec<Box<str>>,
    records: Vec<Record>,
}

impl std::fmt::Debug for SpooledNodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpooledNodes({} symbols)", self.records.len())
    }
}

impl SpooledNodes {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every symbol's facts, by id.
    pub fn symbols(&self) -> Symbols<'_> {
        Symbols::Spooled(self)
    }

    fn str(&self, t: Text) -> &str {
        &self.arena[t.start as usize..(t.start + t.len) as usize]
    }

    fn view(&self, r: &Record) -> SymbolView<'_> {
        SymbolView {
            id: self.str(r.id),
            parent: (r.parent.start != NONE).then(|| self.str(r.parent)),
            cluster: (r.cluster != NONE).then(|| &*self.clusters[r.cluster as usize]),
            path: &self.paths[r.path as usize],
            role: r.role,
            language: r.language,
            centrality: r.centrality,
            complexity: r.complexity,
        }
    }
    /// What `access.bin` lists of each symbol, in id order, with where
    /// its record (its element, `{` to `}`) lies in `nodes.json`: the
    /// layout [`SpooledNodes::for_each_chunk`] writes.
    pub(crate) fn listed(&self) -> impl Iterator<Item = Listed<'_>> + '_ {
        let mut at = HEAD.len() as u64;
        self.records.iter().enumerate().map(move |(n, r)| {
            at += separator(n).len() as u64;
            let record = at;
            at += u64::from(r.len);
            Listed {
                id: self.str(r.id),
                name: self.str(r.name),
                qualified_name: self.str(r.qualified_name),
                kind: r.kind,
                path: &self.paths[r.path as usize],
                role: r.role,
                start_line: r.start_line,
                centrality: r.centrality,
                record,
                record_len: r.len,
            }
        })
    }

    /// The length of `nodes.json`.
    pub(crate) fn part_len(&self) -> u64 {
        let elements: u64 = self
            .records
            .iter()
            .map(|r| SEPARATOR.len() as u64 + u64::from(r.len))
            .sum();
        let close = if self.records.is_empty() { 0 } else { 3 };
        (HEAD.len() + TAIL.len() + close) as u64 + elements - self.records.len().min(1) as u64
    }

    /// Calls `f` with the bytes of `nodes.json` in order, `buf` (4 MiB)
    /// at a time.
    pub(crate) fn for_each_chunk(
        &self,
        buf: &mut Vec<u8>,
        f: &mut dyn FnMut(&[u8]) -> Result<(), DocpackError>,
    ) -> Result<(), DocpackError> {
        self.for_each_chunk_reading(buf, f, WHOLE_READ)
    }

    /// [`SpooledNodes::for_each_chunk`], reading the spool whole when it
    /// is at most `whole` bytes (one read instead of a seek and a read per
    /// symbol: the elements are spooled in input order and read in id
    /// order), else element by element.
    fn for_each_chunk_reading(
        &self,
        buf: &mut Vec<u8>,
        f: &mut dyn FnMut(&[u8]) -> Result<(), DocpackError>,
        whole: u64,
    ) -> Result<(), DocpackError> {
        const FULL: usize = 4 << 20;
        let mut file = &self.file;
        let spooled = match self
            .records
            .iter()
            .map(|r| r.offset + u64::from(r.len))
            .max()
        {
            Some(end) if end <= whole => {
                let mut all = vec![0; end as usize];
                file.seek(SeekFrom::Start(0)).map_err(spool_error)?;
                file.read_exact(&mut all).map_err(spool_error)?;
                Some(all)
            }
            _ => None,
        };
        buf.clear();
        buf.extend_from_slice(HEAD);
        for (n, r) in self.records.iter().enumerate() {
            buf.extend_from_slice(separator(n));
            if let Some(all) = &spooled {
                buf.extend_from_slice(
                    &all[r.offset as usize..(r.offset + u64::from(r.len)) as usize],
                );
            } else {
                let start = buf.len();
                buf.resize(start + r.len as usize, 0);
                file.seek(SeekFrom::Start(r.offset)).map_err(spool_error)?;
                file.read_exact(&mut buf[start..]).map_err(spool_error)?;
            }
            if buf.len() >= FULL {
                f(buf)?;
                buf.clear();
            }
        }
        if !self.records.is_empty() {
            buf.extend_from_slice(b"\n  ");
        }
        buf.extend_from_slice(TAIL);
        f(buf)?;
        buf.clear();
        Ok(())
    }
}

/// The largest spool read whole into memory (see
/// [`SpooledNodes::for_each_chunk`]); a larger one, a kernel's, is read
/// element by element. Elements are read in id order from a spool in
/// input order, so a read per element is two system calls per symbol, on
/// the one core that frames `nodes.json`.
const WHOLE_READ: u64 = 256 << 20;

/// What comes before element `n` of `nodes.json`: the first follows the
/// bracket with a newline only.
fn separator(n: usize) -> &'static [u8] {
    if n == 0 {
        &SEPARATOR[1..]
    } else {
        SEPARATOR
    }
}

/// What `nodes.json` starts with, what comes before each element (but
/// the first, which has no comma), and what it ends with.
const HEAD: &[u8] = b"{\n  \"symbols\": [";
const SEPARATOR: &[u8] = b",\n    ";
const TAIL: &[u8] = b"]\n}\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spool::{write_part, Spool};
    use crate::{Documentation, SourceRange, SymbolMetrics};
    use doctown_core::{SymbolKind, Visibility};

    fn node(i: usize) -> SymbolNode {
        SymbolNode {
            id: format!("sym_{:04x}", (i * 7919) % 10007),
            name: format!("f{i}"),
            kind: SymbolKind::Function,
            qualified_name: format!("m::f{i}"),
            language: Language::C,
            path: format!("dir/{}.c", i / 3),
            range: SourceRange {
                start_line: i as u32 + 1,
                end_line: i as u32 + 4,
                ..SourceRange::default()
            },
            signature: format!("int f{i}(void) /* \"{i}\" */"),
            visibility: Visibility::Public,
            doc_comment: i.is_multiple_of(2).then(|| format!("does\n{i}")),
            attributes: vec!["static".into()],
            parent: (i % 3 == 1).then(|| format!("sym_{:04x}", ((i - 1) * 7919) % 10007)),
            bases: Vec::new(),
            documentation: Some(Documentation {
                summary: format!("f{i} is é"),
                source: crate::DocSource::Facts,
                model: None,
            }),
            cluster: i.is_multiple_of(4).then(|| format!("c{}", i % 5)),
            centrality: i as f64 / 3.0,
            metrics: SymbolMetrics {
                loc: i as u32,
                complexity: (i % 2 == 1).then_some(i as u32),
                in_degree: 1,
                out_degree: 2,
            },
            role: i.is_multiple_of(5).then_some(FileRole::Test),
            unresolved_calls: (i % 3) as u32,
            words: "a b".into(),
        }
    }

    /// The part's bytes, its length as reckoned, and the views.
    fn spooled(nodes: &[SymbolNode], dir: &Path) -> (Vec<u8>, u64, Vec<Viewed>) {
        let mut spool = NodesSpool::new(dir).unwrap();
        for n in nodes {
            spool.push(prepare(n.clone()).unwrap()).unwrap();
        }
        let done = spool.finish().unwrap();
        let views = done.symbols().iter().map(Viewed::of).collect();
        let part = crate::spool::PartBody::nodes(done);
        let len = part.len();
        (part.into_bytes().unwrap(), len, views)
    }

    /// A [`SymbolView`] owned, to outlive its spool.
    #[derive(Debug, PartialEq)]
    struct Viewed(String);

    impl Viewed {
        fn of(v: SymbolView<'_>) -> Self {
            Viewed(format!("{v:?}"))
        }
    }

    #[test]
    fn the_part_is_the_sorted_nodes_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        for count in [0, 1, 2, 300] {
            let nodes: Vec<SymbolNode> = (0..count).map(node).collect();
            let mut sorted = nodes.clone();
            sorted.sort_by(|a, b| a.id.cmp(&b.id));
            let whole = Nodes { symbols: sorted };
            let expected = write_part("nodes.json", &whole, &Spool::memory())
                .unwrap()
                .into_bytes()
                .unwrap();
            let (bytes, len, views) = spooled(&nodes, dir.path());
            assert_eq!(
                String::from_utf8(bytes).unwrap(),
                String::from_utf8(expected.clone()).unwrap(),
                "{count} symbols"
            );
            assert_eq!(len, expected.len() as u64);
            let typed: Vec<_> = Symbols::Typed(&whole).iter().map(Viewed::of).collect();
            assert_eq!(views, typed);
        }
    }

    #[test]
    fn each_listed_record_is_its_symbols_element_in_the_part() {
        let dir = tempfile::tempdir().unwrap();
        for count in [1, 2, 300] {
            let mut spool = NodesSpool::new(dir.path()).unwrap();
            for n in (0..count).map(node) {
                spool.push(prepare(n).unwrap()).unwrap();
            }
            let done = spool.finish().unwrap();
            // What the listing says, and where, beside the record there.
            let listed: Vec<(String, std::ops::Range<usize>)> = done
                .listed()
                .map(|l| {
                    let said = format!(
                        "{} {} {} {:?} {} {:?} {} {}",
                        l.id,
                        l.name,
                        l.qualified_name,
                        l.kind,
                        l.path,
                        l.role,
                        l.start_line,
                        crate::canonical_writer::round_f64(l.centrality)
                    );
                    let at = l.record as usize;
                    (said, at..at + l.record_len as usize)
                })
                .collect();
            let part = crate::spool::PartBody::nodes(done).into_bytes().unwrap();
            assert_eq!(listed.len(), count);
            for (said, record) in listed {
                let s: SymbolNode = serde_json::from_slice(&part[record]).unwrap();
                let there = format!(
                    "{} {} {} {:?} {} {:?} {} {}",
                    s.id,
                    s.name,
                    s.qualified_name,
                    s.kind,
                    s.path,
                    s.role,
                    s.range.start_line,
                    s.centrality
                );
                assert_eq!(said, there);
            }
        }
    }

    #[test]
    fn a_spool_read_whole_and_one_read_element_by_element_are_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = NodesSpool::new(dir.path()).unwrap();
        for n in (0..300).map(node) {
            spool.push(prepare(n).unwrap()).unwrap();
        }
        let done = spool.finish().unwrap();
        let read = |whole: u64| {
            let (mut buf, mut out) = (Vec::new(), Vec::new());
            done.for_each_chunk_reading(
                &mut buf,
                &mut |b| {
                    out.extend_from_slice(b);
                    Ok(())
                },
                whole,
            )
            .unwrap();
            out
        };
        let whole = read(WHOLE_READ);
        assert_eq!(whole, read(0));
        assert_eq!(whole.len() as u64, done.part_len());
    }
}
