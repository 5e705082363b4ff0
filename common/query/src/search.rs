//! Hybrid search: BM25F over names, paths, signatures, doc comments, model
//! summaries and the words of each symbol's code, and cosine similarity
//! over the embeddings, fused by a convex combination of normalised scores
//! over the two rankings' top 200 (BM25 over the best BM25 score, cosine
//! min-max over the list, weighted 1 : 0.7); a symbol that does nothing
//! by itself (a type, a constant, a field) keeps 0.6 of that score, so a
//! question about behaviour is answered by the functions and methods that
//! have it, and a type hit is shown with its members that match; a symbol
//! the query names as an identifier (`NewRouter`) gets a bonus whatever
//! its kind; then one hop through confident call edges shows what
//! explains each hit.
//!
//! Why scores and not reciprocal ranks: the size of a BM25 lead says how
//! sure the words are (a name match stands far above the rest; a shared
//! common word does not), and rank fusion throws that away. On the search
//! evaluation the combination beats reciprocal-rank fusion (k = 60) by
//! 0.007 MRR on average (BENCHMARKS.md, "Search quality").
//!
//! Modes: `hybrid` (both, or lexical alone when there is no query vector),
//! `lexical`, `semantic`, and `legacy` (the docpack library's name-and-
//! vector score, kept to measure against).

use crate::answer::{clip, SymbolRef};
use crate::engine::QueryError;
use crate::pack::{Link, Pack, Sym};
use crate::reader::Reader;
use crate::text::terms;
use doctown_core::{FileRole, Language, SymbolKind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The longest query text used; the rest is ignored (and said so).
pub const MAX_QUERY_BYTES: usize = 4096;
/// Rank cut of each ranking before fusion.
const FUSE_DEPTH: usize = 200;
/// The weight of the normalised cosine against the normalised BM25 score
/// (BENCHMARKS.md, "Search quality": 0.5–1.0 are within 0.01 MRR; 0.7 best).
const SEMANTIC_WEIGHT: f64 = 0.7;
/// What naming a symbol in the query adds to its fused score (split
/// between the symbols of that name): half a best BM25 match. Go documents
/// a function by starting with its name, so there it decides (MRR 0.753 →
/// 0.898); elsewhere a named type often stands beside the function asked
/// about, which costs up to 0.009 (BENCHMARKS.md, "Search quality").
const MENTION_WEIGHT: f64 = 0.5;
/// What a symbol that does nothing by itself (a type, a constant, a
/// field, a module) keeps of its fused score when the query does not name
/// it: a question about what code does is answered by a function or a
/// method, and a type that matches the same words is usually their owner.
/// On the search evaluation's queries asked without the answer's name,
/// structs and classes took top-10 places from the functions described;
/// 0.6 lifts MRR@10 from .231 to .249 (0.5: .253, 0.7: .245), and a type
/// still wins where it matches clearly better (BENCHMARKS.md, "Search
/// quality").
const TYPE_WEIGHT: f64 = 0.6;
/// Members of a type hit shown with it, when they match the query too.
const MATCHING_MEMBERS: usize = 3;
/// Most results of one search.
pub const MAX_LIMIT: usize = 50;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Mode {
    #[default]
    Hybrid,
    Lexical,
    Semantic,
    Legacy,
}

impl std::str::FromStr for Mode {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Mode, QueryError> {
        serde_json::from_value(s.trim().to_lowercase().into()).map_err(|_| {
            QueryError::BadRequest(format!(
                "unknown mode {s:?}: use hybrid, lexical, semantic or legacy"
            ))
        })
    }
}

/// Which symbols a search may return.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<SymbolKind>,
    /// Only symbols under this path (a directory or file prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<FileRole>,
    /// A cluster id or label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

impl Filters {
    /// Whether symbol `i` passes; a language or cluster filter reads its record.
    fn admits<R: Reader + ?Sized>(&self, p: &R, i: Sym) -> bool {
        let listed = (self.kinds.is_empty() || self.kinds.contains(&p.kind(i)))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| p.path(i).starts_with(prefix.trim_start_matches("./")))
            && self
                .role
                .is_none_or(|r| p.role(i).unwrap_or(FileRole::Source) == r);
        if !listed || (self.language.is_none() && self.cluster.is_none()) {
            return listed;
        }
        let Ok(s) = p.record(i) else {
            return false;
        };
        self.language.is_none_or(|l| s.language == l)
            && self.cluster.as_deref().is_none_or(|c| {
                s.cluster.as_deref().is_some_and(|id| {
                    id == c
                        || p.cluster_label(id)
                            .is_some_and(|l| l.eq_ignore_ascii_case(c))
                })
            })
    }
}

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// The query's embedding, made with the docpack's model.
    pub vector: Option<Vec<f32>>,
    pub mode: Mode,
    pub limit: usize,
    pub filters: Filters,
    /// Attach up to this many confident callers and callees to each of the
    /// first five hits (0: none).
    pub expand: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SearchHit {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    /// The docpack the hit is from, when several were searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docpack: Option<String>,
    pub score: f64,
    /// 1-based rank in the lexical and the vector ranking, when in their top 200.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lexical_rank: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_rank: Option<u32>,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

/// A symbol next to a hit in the call graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Related {
    /// `caller` or `callee` (of the hit); `referenced_by`/`references` for
    /// functions passed as values; `member` for a member of a type hit
    /// that matches the query too.
    pub relation: &'static str,
    #[serde(flatten)]
    pub symbol: SymbolRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SearchResult {
    pub query: String,
    pub mode: Mode,
    /// What was used: `lexical`, `semantic` or both.
    pub used: Vec<&'static str>,
    pub hits: Vec<SearchHit>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Searches the packs and merges their hits by score.
pub fn search<R: Reader>(
    packs: &[Arc<R>],
    req: &SearchRequest,
) -> Result<SearchResult, QueryError> {
    let mut notes = Vec::new();
    let query = cut_query(req.query.trim(), &mut notes);
    if query.is_empty() && req.vector.is_none() {
        return Err(QueryError::BadRequest("the query is empty".into()));
    }
    let limit = req.limit.clamp(1, MAX_LIMIT);
    let query_terms = terms(query);
    let mut used = Vec::new();
    let mut hits = Vec::new();
    for p in packs {
        hits.extend(search_pack(
            &**p,
            req,
            query,
            &query_terms,
            limit,
            &mut used,
        )?);
    }
    if req.mode == Mode::Hybrid && !used.contains(&"semantic") {
        notes.push("searched by words only: no embeddings or no query vector".into());
    }
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.symbol.name.cmp(&b.symbol.name))
            .then_with(|| a.symbol.id.cmp(&b.symbol.id))
    });
    hits.truncate(limit);
    if packs.len() == 1 {
        for h in &mut hits {
            h.docpack = None;
        }
    }
    if req.expand > 0 {
        expand(packs, &mut hits, req.expand);
    }
    Ok(SearchResult {
        query: query.chars().take(200).collect(),
        mode: req.mode,
        used,
        hits,
        notes,
    })
}

/// The query cut to its first [`MAX_QUERY_BYTES`] bytes (on a character
/// boundary), with a note when it was.
fn cut_query<'q>(mut query: &'q str, notes: &mut Vec<String>) -> &'q str {
    if query.len() > MAX_QUERY_BYTES {
        let mut cut = MAX_QUERY_BYTES;
        while !query.is_char_boundary(cut) {
            cut -= 1;
        }
        query = &query[..cut];
        notes.push(format!(
            "the query was cut to its first {MAX_QUERY_BYTES} bytes"
        ));
    }
    query
}

/// One pack's hits, by words, by meaning or both as the mode asks (or by
/// the legacy search); what was used is added to `used`.
fn search_pack<R: Reader + ?Sized>(
    p: &R,
    req: &SearchRequest,
    query: &str,
    query_terms: &[String],
    limit: usize,
    used: &mut Vec<&'static str>,
) -> Result<Vec<SearchHit>, QueryError> {
    let vectors = p.vectors();
    let vector = req
        .vector
        .as_deref()
        .filter(|v| vectors.is_some_and(|x| v.len() == x.dims()));
    let lexical = matches!(req.mode, Mode::Hybrid | Mode::Lexical);
    let semantic = matches!(req.mode, Mode::Hybrid | Mode::Semantic) && vector.is_some();
    if req.mode == Mode::Semantic && vector.is_none() {
        return Err(QueryError::BadRequest(format!(
            "docpack {} cannot be searched by meaning here (no embeddings, or no query vector)",
            p.key()
        )));
    }
    if req.mode == Mode::Legacy {
        let Some(p) = p.whole() else {
            return Err(QueryError::BadRequest(format!(
                "docpack {} is read in place: the legacy search needs it whole; use mode lexical",
                p.key()
            )));
        };
        let hits = legacy(p, query, vector, limit, &req.filters);
        push_once(used, "legacy");
        return Ok(hits);
    }
    if lexical {
        push_once(used, "lexical");
    }
    if semantic {
        push_once(used, "semantic");
    }
    let lex = if lexical {
        ranked(
            p.lexical()?.scores(query_terms).into_iter().map(Some),
            p,
            &req.filters,
        )
    } else {
        Vec::new()
    };
    let sem = match (semantic, vector, vectors) {
        (true, Some(v), Some(vectors)) => ranked(
            vectors
                .symbol_scores(v, p.len())
                .into_iter()
                .map(|b| b.map(|(s, _)| s)),
            p,
            &req.filters,
        ),
        _ => Vec::new(),
    };
    let named = if lexical {
        mentioned(p, query, &req.filters)
    } else {
        Vec::new()
    };
    Ok(fuse(p, &lex, &sem, &named, limit))
}

/// Attaches up to `n` confident callers and callees to each of the first
/// five hits.
fn expand<R: Reader>(packs: &[Arc<R>], hits: &mut [SearchHit], n: usize) {
    for h in hits.iter_mut().take(5) {
        let pack = packs
            .iter()
            .find(|p| h.docpack.as_deref().is_none_or(|k| k == p.key()))
            .and_then(|p| p.index_of(&h.symbol.id).map(|i| (p, i)));
        if let Some((p, i)) = pack {
            h.related.extend(neighbours(&**p, i, n));
        }
    }
}

fn push_once(list: &mut Vec<&'static str>, item: &'static str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The symbols with a positive score that the filters admit, best first,
/// at most [`FUSE_DEPTH`]: `(symbol, score)`.
fn ranked<R: Reader + ?Sized>(
    scores: impl Iterator<Item = Option<f32>>,
    p: &R,
    filters: &Filters,
) -> Vec<(Sym, f32)> {
    let mut list: Vec<(Sym, f32)> = scores
        .enumerate()
        .filter_map(|(i, s)| s.filter(|s| *s > 0.0).map(|s| (i as Sym, s)))
        .collect();
    let by_score = |a: &(Sym, f32), b: &(Sym, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let mut out = Vec::with_capacity(FUSE_DEPTH);
    // Take the best in rounds so the filters see only candidates.
    while out.len() < FUSE_DEPTH && !list.is_empty() {
        let want = (FUSE_DEPTH - out.len()) * 2;
        if list.len() > want {
            list.select_nth_unstable_by(want, by_score);
        }
        let rest = list.split_off(want.min(list.len()));
        list.sort_unstable_by(by_score);
        out.extend(list.into_iter().filter(|&(i, _)| filters.admits(p, i)));
        list = rest;
    }
    out.truncate(FUSE_DEPTH);
    out
}

/// Symbols the query names, each with its share of the mention: a word of
/// the query that is a symbol's name exactly and looks like an identifier
/// rather than prose (an uppercase letter, an underscore or a digit:
/// `NewRouter`, `parse_args`, Go's `Parse` — not `parse`); a name that
/// several symbols share splits the mention between them.
fn mentioned<R: Reader + ?Sized>(p: &R, query: &str, filters: &Filters) -> Vec<(Sym, f64)> {
    let mut out = Vec::new();
    let words = query.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'));
    for word in words.filter(|w| w.len() >= 3) {
        let identifier = word
            .chars()
            .any(|c| c.is_uppercase() || c == '_' || c.is_ascii_digit());
        if !identifier {
            continue;
        }
        let same = p.named(word);
        if !same.is_empty() {
            let n = same.len() as f64;
            out.extend(
                same.into_iter()
                    .filter(|&i| filters.admits(p, i))
                    .map(|i| (i, 1.0 / n)),
            );
        }
    }
    out.sort_by_key(|x| x.0);
    out.dedup_by_key(|x| x.0);
    out
}

/// Fused score, lexical rank, semantic rank.
type Fused = (f64, Option<u32>, Option<u32>);

fn fuse<R: Reader + ?Sized>(
    p: &R,
    lex: &[(Sym, f32)],
    sem: &[(Sym, f32)],
    named: &[(Sym, f64)],
    limit: usize,
) -> Vec<SearchHit> {
    let mut fused: rustc_hash::FxHashMap<Sym, Fused> = rustc_hash::FxHashMap::default();
    // Lexical scores over the best one's; cosines min-max over the list.
    let lex_best = lex.first().map_or(1.0, |x| f64::from(x.1)).max(1e-9);
    let (cos_best, cos_floor) = match (sem.first(), sem.last()) {
        (Some(a), Some(b)) => (f64::from(a.1), f64::from(b.1)),
        _ => (1.0, 0.0),
    };
    let cos_span = cos_best - cos_floor;
    for (rank, &(i, score)) in lex.iter().enumerate() {
        let e = fused.entry(i).or_default();
        e.0 += f64::from(score) / lex_best;
        e.1 = Some(rank as u32 + 1);
    }
    for (rank, &(i, score)) in sem.iter().enumerate() {
        let e = fused.entry(i).or_default();
        let normalised = if cos_span > 1e-6 {
            (f64::from(score) - cos_floor) / cos_span
        } else {
            1.0
        };
        e.0 += SEMANTIC_WEIGHT * normalised;
        e.2 = Some(rank as u32 + 1);
    }
    for (&i, e) in fused.iter_mut() {
        if !acts(p.kind(i)) {
            e.0 *= TYPE_WEIGHT;
        }
    }
    for &(i, share) in named {
        fused.entry(i).or_default().0 += MENTION_WEIGHT * share;
    }
    let mut list: Vec<(Sym, Fused)> = fused.into_iter().collect();
    list.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let mut hits: Vec<SearchHit> = list
        .iter()
        .take(limit)
        .map(|&(i, (score, l, s))| hit(p, i, score, l, s))
        .collect();
    for h in &mut hits {
        h.related = matching_members(p, &h.symbol.id, &list);
    }
    hits
}

/// Functions, methods and macros: the symbols that do something, which a
/// question about behaviour asks for.
fn acts(kind: SymbolKind) -> bool {
    kind.is_callable() || kind == SymbolKind::Macro
}

/// The members of a type that are among the candidates too, best first:
/// what makes the type an answer.
fn matching_members<R: Reader + ?Sized>(p: &R, id: &str, ranked: &[(Sym, Fused)]) -> Vec<Related> {
    let Some(owner) = p.index_of(id) else {
        return Vec::new();
    };
    if acts(p.kind(owner)) {
        return Vec::new();
    }
    ranked
        .iter()
        .filter(|(j, _)| p.is_member(*j, owner))
        .take(MATCHING_MEMBERS)
        .map(|&(j, _)| Related {
            relation: "member",
            symbol: SymbolRef::new(p, j),
        })
        .collect()
}

fn hit<R: Reader + ?Sized>(
    p: &R,
    i: Sym,
    score: f64,
    lexical: Option<u32>,
    semantic: Option<u32>,
) -> SearchHit {
    let s = p.record(i).ok();
    SearchHit {
        symbol: SymbolRef::new(p, i),
        docpack: Some(p.key().to_string()),
        score: (score * 1e6).round() / 1e6,
        lexical_rank: lexical,
        semantic_rank: semantic,
        signature: s
            .as_ref()
            .map_or_else(String::new, |s| clip(&s.signature, 160)),
        summary: s
            .as_ref()
            .and_then(|s| s.documentation.as_ref().map(|d| clip(&d.summary, 240))),
        related: Vec::new(),
    }
}

fn legacy(
    p: &Pack,
    query: &str,
    vector: Option<&[f32]>,
    limit: usize,
    filters: &Filters,
) -> Vec<SearchHit> {
    doctown_docpack::search(&p.docpack, vector, query, p.len())
        .into_iter()
        .filter_map(|h| p.index_of(&h.symbol_id).map(|i| (i, h.score)))
        .filter(|&(i, _)| filters.admits(p, i))
        .take(limit)
        .map(|(i, score)| hit(p, i, score, None, None))
        .collect()
}

/// Up to `n` confident callers and `n` callees of a symbol, most central first.
pub fn neighbours<R: Reader + ?Sized>(p: &R, i: Sym, n: usize) -> Vec<Related> {
    let mut out = Vec::new();
    let lists: [(Vec<(Sym, Link)>, bool); 2] = [
        (p.callers(i).collect(), false),
        (p.callees(i).collect(), true),
    ];
    for (mut list, outgoing) in lists {
        list.sort_by(|a, b| {
            p.centrality(b.0)
                .total_cmp(&p.centrality(a.0))
                .then(a.0.cmp(&b.0))
        });
        for (j, link) in list.into_iter().take(n) {
            let relation = match (outgoing, link) {
                (false, Link::Calls) => "caller",
                (true, Link::Calls) => "callee",
                (false, Link::References) => "referenced_by",
                (true, Link::References) => "references",
            };
            out.push(Related {
                relation,
                symbol: SymbolRef::new(p, j),
            });
        }
    }
    out
}

/// Embeds query text with the model a docpack's vectors were made with.
/// Blocking: hosts call it off their async threads.
pub trait QueryEmbedder: Send + Sync {
    /// The model id, compared with the docpack manifest's.
    fn model_id(&self) -> &str;
    fn embed(&self, text: &str) -> Result<Vec<f32>, String>;
    /// Embeds with `model`, another model than [`Self::model_id`] that
    /// this host also keeps (an earlier default, for docpacks it embedded);
    /// `None` when the host has no such model.
    fn embed_with(&self, _model: &str, _text: &str) -> Option<Result<Vec<f32>, String>> {
        None
    }
}

/// The query vector for `query` over `packs`, when any of them was embedded
/// with the embedder's model; otherwise `None` and a note why.
pub fn query_vector<R: Reader>(
    packs: &[Arc<R>],
    embedder: Option<&dyn QueryEmbedder>,
    query: &str,
) -> (Option<Vec<f32>>, Option<String>) {
    let wanted: Vec<&str> = packs
        .iter()
        .filter(|p| p.vectors().is_some())
        .filter_map(|p| p.embedding_model())
        .collect();
    if wanted.is_empty() {
        return (None, None);
    }
    let Some(embedder) = embedder else {
        return (
            None,
            Some("no embedding model here: searched by words".into()),
        );
    };
    let mut cut = query.len().min(MAX_QUERY_BYTES);
    while !query.is_char_boundary(cut) {
        cut -= 1;
    }
    let query = &query[..cut];
    let embedded = if wanted.contains(&embedder.model_id()) {
        embedder.embed(query)
    } else if let Some(embedded) = wanted.iter().find_map(|m| embedder.embed_with(m, query)) {
        embedded
    } else {
        return (
            None,
            Some(format!(
                "the docpack was embedded with {} but this host has {}: searched by words",
                wanted[0],
                embedder.model_id()
            )),
        );
    };
    match embedded {
        Ok(v) => (Some(v), None),
        Err(e) => (
            None,
            Some(format!(
                "embedding the query failed ({e}): searched by words"
            )),
        ),
    }
}
