//! `doctown docpack search`: find symbols by name and, when a query vector
//! is given, by embedding similarity.
//!
//! Scoring (every score is in `[0, 1]`):
//! * **name score**, the best of, case-insensitively, against the symbol's
//!   `name` and `qualified_name`: exact name or qualified name `1.0`; the
//!   qualified name ends with the query after a `::`/`.`/`/` separator `0.95`;
//!   name starts with the query `0.8`; name contains it `0.6`; qualified
//!   name contains it `0.5`; token match `0.7 × m / n`, where the query has
//!   `n` identifier tokens (camelCase, snake_case, `::`, `.` split) and `m`
//!   counts a token that equals a symbol token as 1 and one that is a prefix
//!   of a symbol token as 0.5.
//! * **vector score**: the best cosine similarity between the query vector
//!   and the embeddings of the symbol's chunks, clamped to `[0, 1]`.
//! * **score**: `0.6 × vector + 0.4 × name` with both a vector and text;
//!   otherwise whichever one was given. Symbols scoring 0 are dropped; ties
//!   are broken by qualified name, then id.

use crate::error::DocpackError;
use crate::model::{Docpack, SymbolNode};
use crate::tokens::tokens;
use doctown_core::SymbolKind;
use serde::Serialize;
use std::collections::HashMap;

/// Weight of the vector score when both a vector and text are given.
pub const VECTOR_WEIGHT: f64 = 0.6;

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub symbol_id: String,
    pub name: String,
    pub qualified_name: String,
    pub kind: SymbolKind,
    pub path: String,
    pub line: u32,
    pub score: f64,
    pub name_score: f64,
    /// Absent when no query vector was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector_score: Option<f64>,
    /// The best-matching chunk, when a vector was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// Searches the docpack's symbols. A query vector whose dimensions differ
/// from the embeddings', or given to a docpack without embeddings, is
/// ignored (use [`search_checked`] to get an error instead).
pub fn search(
    d: &Docpack,
    query_vector: Option<&[f32]>,
    query_text: &str,
    limit: usize,
) -> Vec<Hit> {
    let usable =
        query_vector.filter(|q| d.embeddings.as_ref().is_some_and(|e| e.dims() == q.len()));
    run(d, usable, query_text, limit)
}

/// Like [`search`], but a query vector that cannot be used is an error.
pub fn search_checked(
    d: &Docpack,
    query_vector: Option<&[f32]>,
    query_text: &str,
    limit: usize,
) -> Result<Vec<Hit>, DocpackError> {
    if let Some(q) = query_vector {
        let e = d.embeddings.as_ref().ok_or_else(|| {
            DocpackError::Invalid("this docpack has no embeddings; search by text only".into())
        })?;
        if e.dims() != q.len() {
            return Err(DocpackError::DimensionMismatch {
                expected: e.dims(),
                got: q.len(),
            });
        }
    }
    Ok(run(d, query_vector, query_text, limit))
}

fn run(d: &Docpack, query_vector: Option<&[f32]>, query_text: &str, limit: usize) -> Vec<Hit> {
    let text = query_text.trim().to_lowercase();
    if (text.is_empty() && query_vector.is_none()) || limit == 0 {
        return Vec::new();
    }
    let query_tokens = tokens(query_text);
    let mut chunks_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for chunk in d.source_map.files.iter().flat_map(|f| &f.chunks) {
        for s in &chunk.symbol_ids {
            chunks_of
                .entry(s.as_str())
                .or_default()
                .push(chunk.id.as_str());
        }
    }
    let mut hits: Vec<Hit> = Vec::new();
    for s in &d.nodes.symbols {
        let name_score = if text.is_empty() {
            0.0
        } else {
            name_score(&text, &query_tokens, s)
        };
        let best_vector = query_vector.map(|q| {
            let mut best: (f64, Option<&str>) = (0.0, None);
            for &chunk in chunks_of
                .get(s.id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if let Some(v) = d.embedding(chunk) {
                    let c = cosine(q, v).clamp(0.0, 1.0);
                    if best.1.is_none() || c > best.0 {
                        best = (c, Some(chunk));
                    }
                }
            }
            best
        });
        let score = match (&best_vector, text.is_empty()) {
            (Some((v, _)), false) => VECTOR_WEIGHT * v + (1.0 - VECTOR_WEIGHT) * name_score,
            (Some((v, _)), true) => *v,
            (None, _) => name_score,
        };
        if score <= 0.0 {
            continue;
        }
        hits.push(Hit {
            symbol_id: s.id.clone(),
            name: s.name.clone(),
            qualified_name: s.qualified_name.clone(),
            kind: s.kind,
            path: s.path.clone(),
            line: s.range.start_line,
            score: crate::canonical::round_f64(score),
            name_score: crate::canonical::round_f64(name_score),
            vector_score: best_vector.map(|(v, _)| crate::canonical::round_f64(v)),
            chunk_id: best_vector.and_then(|(_, c)| c.map(str::to_string)),
            summary: s.documentation.as_ref().map(|doc| doc.summary.clone()),
        });
    }
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.qualified_name.cmp(&b.qualified_name))
            .then_with(|| a.symbol_id.cmp(&b.symbol_id))
    });
    hits.truncate(limit);
    hits
}

/// The name score of the module docs; `text` is trimmed and lowercase.
fn name_score(text: &str, query_tokens: &[String], s: &SymbolNode) -> f64 {
    let name = s.name.to_lowercase();
    let qualified = s.qualified_name.to_lowercase();
    if name == text || qualified == text {
        return 1.0;
    }
    let mut best: f64 = 0.0;
    if let Some(head) = qualified.strip_suffix(text) {
        if head.ends_with("::") || head.ends_with('.') || head.ends_with('/') {
            best = 0.95;
        }
    }
    if name.starts_with(text) {
        best = best.max(0.8);
    } else if name.contains(text) {
        best = best.max(0.6);
    } else if qualified.contains(text) {
        best = best.max(0.5);
    }
    if !query_tokens.is_empty() {
        let mut symbol_tokens = tokens(&s.name);
        symbol_tokens.extend(tokens(&s.qualified_name));
        let matched: f64 = query_tokens
            .iter()
            .map(|q| {
                if symbol_tokens.iter().any(|t| t == q) {
                    1.0
                } else if symbol_tokens.iter().any(|t| t.starts_with(q.as_str())) {
                    0.5
                } else {
                    0.0
                }
            })
            .sum();
        best = best.max(0.7 * matched / query_tokens.len() as f64);
    }
    best
}

/// Cosine similarity; 0 when either vector is all zeros.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (*x as f64, *y as f64);
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}
