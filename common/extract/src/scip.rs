//! Compiler-grade references from a SCIP index (what Sourcegraph's
//! indexers emit: scip-typescript, scip-python, rust-analyzer's `scip`,
//! scip-go…). [`parse_scip`] reads the protobuf (a small hand-written
//! decoder: only the fields used here), [`apply_scip`] links the call sites
//! the index answers with provenance `scip` and confidence 1, overriding
//! the heuristic links: a call the index resolves to a repository function
//! points there, a call it resolves outside the repository is unresolved,
//! and an in-repository reference the extractor did not record is added
//! as a `reference` call site. In the files the index covers it is the
//! authority (a link it does not confirm is dropped); files it does not
//! cover keep their heuristic links.

use doctown_core::{CallKind, CallSite, Provenance, Symbol, SymbolId};
use std::collections::{HashMap, HashSet};

/// What can be wrong with a SCIP file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScipError {
    #[error("the SCIP index is truncated or not a SCIP index ({0})")]
    Malformed(&'static str),
    #[error("the SCIP index has protocol version {0}; this reader knows version 0")]
    UnknownVersion(u64),
}

/// The parts of a SCIP index call linking needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScipIndex {
    /// The indexer's name and version, e.g. `scip-python 0.6.6`.
    pub tool: String,
    pub documents: Vec<ScipDocument>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScipDocument {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub occurrences: Vec<ScipOccurrence>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScipOccurrence {
    /// 0-based line of the occurrence's start.
    pub line: u32,
    /// 0-based column of the occurrence's start.
    pub column: u32,
    pub symbol: String,
    pub definition: bool,
}

/// A protobuf reader over a byte slice.
struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

enum Value<'b> {
    Varint(u64),
    Bytes(&'b [u8]),
    Skipped,
}

impl<'b> Reader<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    fn varint(&mut self) -> Result<u64, ScipError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .bytes
                .get(self.at)
                .ok_or(ScipError::Malformed("a number runs past the end"))?;
            self.at += 1;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ScipError::Malformed("a number is longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], ScipError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or(ScipError::Malformed("a field runs past the end"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    /// The next field, or None at the end.
    fn field(&mut self) -> Result<Option<(u64, Value<'b>)>, ScipError> {
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Skipped
            }
            2 => {
                let n = usize::try_from(self.varint()?)
                    .map_err(|_| ScipError::Malformed("a length is too large"))?;
                Value::Bytes(self.take(n)?)
            }
            5 => {
                self.take(4)?;
                Value::Skipped
            }
            _ => return Err(ScipError::Malformed("unknown wire type")),
        };
        Ok(Some((key >> 3, value)))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Parses a SCIP index (`index.scip`).
pub fn parse_scip(bytes: &[u8]) -> Result<ScipIndex, ScipError> {
    let mut index = ScipIndex::default();
    let mut r = Reader::new(bytes);
    let mut saw_metadata = false;
    while let Some((field, value)) = r.field()? {
        match (field, value) {
            (1, Value::Bytes(b)) => {
                saw_metadata = true;
                index.tool = metadata(b)?;
            }
            (2, Value::Bytes(b)) => index.documents.push(document(b)?),
            _ => {}
        }
    }
    if !saw_metadata && index.documents.is_empty() {
        return Err(ScipError::Malformed("no metadata and no documents"));
    }
    Ok(index)
}

fn metadata(bytes: &[u8]) -> Result<String, ScipError> {
    let mut r = Reader::new(bytes);
    let mut tool = String::new();
    while let Some((field, value)) = r.field()? {
        match (field, value) {
            (1, Value::Varint(v)) if v != 0 => return Err(ScipError::UnknownVersion(v)),
            (2, Value::Bytes(b)) => {
                let mut t = Reader::new(b);
                let mut parts = Vec::new();
                while let Some((f, v)) = t.field()? {
                    if let (1 | 2, Value::Bytes(s)) = (f, v) {
                        parts.push(text(s));
                    }
                }
                tool = parts.join(" ");
            }
            _ => {}
        }
    }
    Ok(tool)
}

fn document(bytes: &[u8]) -> Result<ScipDocument, ScipError> {
    let mut r = Reader::new(bytes);
    let mut doc = ScipDocument::default();
    while let Some((field, value)) = r.field()? {
        match (field, value) {
            (1, Value::Bytes(b)) => doc.path = text(b).trim_start_matches("./").to_string(),
            (2, Value::Bytes(b)) => doc.occurrences.push(occurrence(b)?),
            _ => {}
        }
    }
    Ok(doc)
}

fn occurrence(bytes: &[u8]) -> Result<ScipOccurrence, ScipError> {
    let mut r = Reader::new(bytes);
    let mut occ = ScipOccurrence::default();
    let mut range_seen = false;
    while let Some((field, value)) = r.field()? {
        match (field, value) {
            // `range` is packed; an unpacked first element also counts.
            (1, Value::Bytes(b)) if !range_seen => {
                let mut packed = Reader::new(b);
                occ.line = u32::try_from(packed.varint()?).unwrap_or(u32::MAX);
                if packed.at < b.len() {
                    occ.column = u32::try_from(packed.varint()?).unwrap_or(u32::MAX);
                }
                range_seen = true;
            }
            (1, Value::Varint(v)) if !range_seen => {
                occ.line = u32::try_from(v).unwrap_or(u32::MAX);
                range_seen = true;
            }
            (2, Value::Bytes(b)) => occ.symbol = text(b),
            (3, Value::Varint(roles)) => occ.definition = roles & 1 == 1,
            _ => {}
        }
    }
    if !range_seen {
        return Err(ScipError::Malformed("an occurrence without a range"));
    }
    Ok(occ)
}

/// The name a SCIP symbol's last descriptor gives: `… pkg/Store#get().` →
/// `get`; None for local symbols.
pub fn descriptor_name(symbol: &str) -> Option<&str> {
    if symbol.starts_with("local ") {
        return None;
    }
    let descriptors = symbol.splitn(5, ' ').nth(4)?;
    let d = descriptors
        .trim_end_matches('.')
        .trim_end_matches("()")
        .trim_end_matches(['#', '.', '/', ':', '!']);
    let d = d
        .strip_suffix(')')
        .map_or(d, |x| x.rsplit_once('(').map_or(x, |(a, _)| a));
    // rust-analyzer names impl members `impl#[`Type<'a>`][Trait]method`.
    let d = match d.rfind(']') {
        Some(i) if !d.ends_with('`') => &d[i + 1..],
        _ => d,
    };
    if let Some(quoted) = d.strip_suffix('`') {
        return quoted.rsplit_once('`').map(|(_, name)| name);
    }
    d.rsplit(['/', '#', '.', ':'])
        .next()
        .filter(|n| !n.is_empty())
}

/// What [`apply_scip`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScipStats {
    /// Index documents that are files of the repository.
    pub documents_matched: u64,
    pub documents: u64,
    /// Call sites linked by the index (set or confirmed).
    pub linked: u64,
    /// Heuristic links the index contradicted (moved or removed).
    pub overridden: u64,
    /// References the extractor had not recorded, added from the index.
    pub added: u64,
}

/// Per file: symbols by line span, for "innermost symbol containing line".
struct Spans {
    by_path: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
}

impl Spans {
    fn new(symbols: &[Symbol]) -> Spans {
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in symbols.iter().enumerate() {
            by_path.entry(s.path.clone()).or_default().push(i);
        }
        let by_id = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.to_string(), i))
            .collect();
        Spans { by_path, by_id }
    }

    /// The innermost symbol of `path` containing 1-based `line` that
    /// passes `keep`.
    fn innermost(
        &self,
        symbols: &[Symbol],
        path: &str,
        line: u32,
        keep: impl Fn(&Symbol) -> bool,
    ) -> Option<usize> {
        self.by_path
            .get(path)?
            .iter()
            .copied()
            .filter(|&i| {
                let s = &symbols[i];
                s.span.start.line <= line && line <= s.span.end.line && keep(s)
            })
            .min_by_key(|&i| symbols[i].span.end.line - symbols[i].span.start.line)
    }
}

/// The index's answer for a call site: a repository symbol, or outside.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Here(usize),
    Outside,
}

/// How far below a call expression's first line its callee's name may sit
/// (`value\n    .method()` starts a line above `method`).
const LINE_SLACK: u32 = 3;

/// A SCIP symbol's identity: global symbols are global, `local N` symbols
/// belong to their document.
fn symbol_key(path: &str, symbol: &str) -> String {
    if symbol.starts_with("local ") {
        format!("{path}\0{symbol}")
    } else {
        symbol.to_string()
    }
}

/// SCIP symbol key → repository symbol, from definition occurrences: the
/// innermost symbol of the descriptor's name around the definition, or for
/// a nameless local, the function declared on that line.
fn definitions(symbols: &[Symbol], spans: &Spans, index: &ScipIndex) -> HashMap<String, usize> {
    let mut defined = HashMap::new();
    for doc in index
        .documents
        .iter()
        .filter(|d| spans.by_path.contains_key(&d.path))
    {
        // A nested function's name is the first local defined on its line
        // (its parameters follow it).
        let mut first_local: HashMap<u32, u32> = HashMap::new();
        for occ in doc
            .occurrences
            .iter()
            .filter(|o| o.definition && o.symbol.starts_with("local "))
        {
            let c = first_local.entry(occ.line).or_insert(occ.column);
            *c = (*c).min(occ.column);
        }
        // Lines where the index names the function itself globally
        // (rust-analyzer names nested functions): the locals there are its
        // parameters, not it.
        let named_globally: HashSet<u32> = doc
            .occurrences
            .iter()
            .filter(|o| o.definition)
            .filter_map(|o| {
                let name = descriptor_name(&o.symbol)?;
                let line = o.line.saturating_add(1);
                spans.innermost(symbols, &doc.path, line, |s| {
                    s.name == name && s.kind.is_callable() && s.span.start.line == line
                })?;
                Some(o.line)
            })
            .collect();
        for occ in doc.occurrences.iter().filter(|o| o.definition) {
            let line = occ.line.saturating_add(1);
            let found = match descriptor_name(&occ.symbol) {
                Some(name) => spans.innermost(symbols, &doc.path, line, |s| s.name == name),
                None if named_globally.contains(&occ.line) => None,
                None if first_local.get(&occ.line) == Some(&occ.column) => {
                    // Only what is declared inside a function is local: a
                    // nested function, or a method of a class declared in a
                    // function (`function enableMapSet() { class DraftMap
                    // { get() {…} } }`).
                    let nested = |s: &Symbol| inside_a_callable(symbols, spans, s);
                    spans.innermost(symbols, &doc.path, line, |s| {
                        s.kind.is_callable() && s.span.start.line == line && nested(s)
                    })
                }
                None => None,
            };
            if let Some(i) = found {
                defined
                    .entry(symbol_key(&doc.path, &occ.symbol))
                    .or_insert(i);
            }
        }
    }
    defined
}

/// Whether an enclosing symbol of `symbol` (its parent, or theirs) is a
/// function or method. Bounded by the nesting depth of real code.
fn inside_a_callable(symbols: &[Symbol], spans: &Spans, symbol: &Symbol) -> bool {
    let mut parent = symbol.parent.as_ref();
    for _ in 0..32 {
        let Some(&p) = parent.and_then(|p| spans.by_id.get(p.as_str())) else {
            return false;
        };
        if symbols[p].kind.is_callable() {
            return true;
        }
        parent = symbols[p].parent.as_ref();
    }
    false
}

/// What the index says is called from each caller's line: (caller, 1-based
/// line) → (callee name, answer), in occurrence order.
type Answers = HashMap<(usize, u32), Vec<(String, Answer)>>;

/// Links call sites by the index (see the module doc). In the files the
/// index covers it is the authority: a heuristic link it does not confirm
/// is dropped. Paths in the index that are not repository files are
/// ignored; `documents_matched == 0` means the index is of another
/// repository.
pub fn apply_scip(symbols: &mut [Symbol], index: &ScipIndex) -> ScipStats {
    let spans = Spans::new(symbols);
    let mut stats = ScipStats {
        documents: index.documents.len() as u64,
        ..ScipStats::default()
    };
    let defined = definitions(symbols, &spans, index);
    let (answers, covered) = index_answers(symbols, &spans, index, &defined, &mut stats);
    let ids: Vec<_> = symbols.iter().map(|s| s.id.clone()).collect();
    let used = link_calls(symbols, &answers, &covered, &ids, &mut stats);
    add_references(symbols, &answers, &used, &ids, &mut stats);
    stats
}

/// The index's references in the repository's files, by caller and line,
/// and the paths of the files it covers.
fn index_answers<'i>(
    symbols: &[Symbol],
    spans: &Spans,
    index: &'i ScipIndex,
    defined: &HashMap<String, usize>,
    stats: &mut ScipStats,
) -> (Answers, HashSet<&'i str>) {
    let mut answers: Answers = HashMap::new();
    let mut covered = std::collections::HashSet::new();
    for doc in index
        .documents
        .iter()
        .filter(|d| spans.by_path.contains_key(&d.path))
    {
        stats.documents_matched += 1;
        covered.insert(doc.path.as_str());
        for occ in doc.occurrences.iter().filter(|o| !o.definition) {
            let line = occ.line.saturating_add(1);
            let caller = spans.innermost(symbols, &doc.path, line, |s| s.kind.is_callable());
            let Some(caller) = caller else { continue };
            let (name, answer) = match defined.get(&symbol_key(&doc.path, &occ.symbol)) {
                Some(&t) => (symbols[t].name.clone(), Answer::Here(t)),
                None => match descriptor_name(&occ.symbol) {
                    Some(name) => (name.to_string(), Answer::Outside),
                    None => continue,
                },
            };
            answers
                .entry((caller, line))
                .or_default()
                .push((name, answer));
        }
    }
    (answers, covered)
}

/// Links (or unlinks) each recorded call by the index's answer near its
/// line; returns the answers used, as (caller, line, name).
fn link_calls(
    symbols: &mut [Symbol],
    answers: &Answers,
    covered: &HashSet<&str>,
    ids: &[SymbolId],
    stats: &mut ScipStats,
) -> HashSet<(usize, u32, String)> {
    let callable: Vec<bool> = symbols.iter().map(|s| s.kind.is_callable()).collect();
    let mut used: std::collections::HashSet<(usize, u32, String)> = Default::default();
    for (i, symbol) in symbols.iter_mut().enumerate() {
        let in_covered_file = covered.contains(symbol.path.as_str());
        for call in &mut symbol.calls {
            let found = (call.line..=call.line + LINE_SLACK).find_map(|line| {
                let list = answers.get(&(i, line))?;
                // A line can name the same word twice: a struct field and
                // the method that fills it (`Position { offset:
                // self.offset() }`). A call is a call of the function.
                let named = || list.iter().filter(|(n, _)| **n == *call.name);
                let hit = named()
                    .find(|(_, a)| matches!(*a, Answer::Here(t) if callable[t]))
                    .or_else(|| named().find(|(_, a)| matches!(a, Answer::Outside)))
                    .or_else(|| named().next())?;
                Some((line, hit.1))
            });
            let before = call.resolved.clone();
            match found {
                Some((line, answer)) => {
                    used.insert((i, line, call.name.to_string()));
                    if let Answer::Here(target) = answer {
                        call.resolved = Some(ids[target].clone());
                        call.provenance = Some(Provenance::Scip);
                        call.confidence = Some(Provenance::Scip.confidence());
                        stats.linked += 1;
                    } else {
                        unlink(call);
                    }
                }
                None if in_covered_file => unlink(call),
                None => {}
            }
            if before.is_some() && before != call.resolved {
                stats.overridden += 1;
            }
        }
    }
    used
}

/// In-repository references to functions the extractor did not record,
/// added to their callers' calls in line order.
fn add_references(
    symbols: &mut [Symbol],
    answers: &Answers,
    used: &HashSet<(usize, u32, String)>,
    ids: &[SymbolId],
    stats: &mut ScipStats,
) {
    let mut added: Vec<(usize, u32, String, usize)> = Vec::new();
    for (&(caller, line), list) in answers {
        for (name, answer) in list {
            if let Answer::Here(t) = *answer {
                let new = !used.contains(&(caller, line, name.clone()));
                if new && symbols[t].kind.is_callable() {
                    added.push((caller, line, name.clone(), t));
                }
            }
        }
    }
    added.sort_unstable();
    added.dedup();
    let mut grown: Vec<usize> = added.iter().map(|a| a.0).collect();
    grown.dedup();
    for (caller, line, name, target) in added {
        symbols[caller].calls.push(CallSite {
            callee: name.as_str().into(),
            name: name.into(),
            qualifier: None,
            kind: CallKind::Reference,
            line,
            receiver_type: None,
            receiver_from: None,
            resolved: Some(ids[target].clone()),
            provenance: Some(Provenance::Scip),
            confidence: Some(Provenance::Scip.confidence()),
        });
        stats.added += 1;
    }
    // Added references go in line order among the caller's calls.
    for caller in grown {
        symbols[caller].calls.sort_by_key(|c| c.line);
    }
}

fn unlink(call: &mut CallSite) {
    call.resolved = None;
    call.provenance = None;
    call.confidence = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_names() {
        let cases = [
            (
                "scip-python python pkg 1.0 `pkg.mod`/Store#get().",
                Some("get"),
            ),
            (
                "scip-typescript npm app 1.0 src/`util.ts`/format().",
                Some("format"),
            ),
            (
                "rust-analyzer cargo core 0.1.0 store/LocalStore#new().",
                Some("new"),
            ),
            ("scip-python python pkg 1.0 `pkg.mod`/Store#", Some("Store")),
            (
                "scip-go gomod example.com/a v1 `example.com/a`/Run().",
                Some("Run"),
            ),
            (
                "rust-analyzer cargo regex-syntax 0.8.11 hir/translate/impl#[`TranslatorI<'t, 'p>`]trans().",
                Some("trans"),
            ),
            (
                "rust-analyzer cargo x 0.1 ast/parse/impl#[ParserBuilder][Default]default().",
                Some("default"),
            ),
            ("local 12", None),
        ];
        for (symbol, want) in cases {
            assert_eq!(descriptor_name(symbol), want, "{symbol}");
        }
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse_scip(&[0x12, 0x10, 0x0a]).is_err());
        assert!(parse_scip(&[]).is_err());
        assert!(parse_scip(b"not a scip file at all").is_err());
        // metadata { version: 7 }
        assert_eq!(
            parse_scip(&[0x0a, 0x02, 0x08, 0x07]),
            Err(ScipError::UnknownVersion(7))
        );
    }
}
