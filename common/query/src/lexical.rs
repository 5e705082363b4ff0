//! An in-memory BM25 index over symbols.
//!
//! One document per symbol, made of weighted fields: the name (×3), the
//! qualified name and the path (×1 each, the owner's and directory's words),
//! the signature, the doc comment and the summary (×1). A term's frequency
//! in a document is the weighted sum over fields (BM25F with one length
//! normalisation), scored with Okapi BM25 (`k1 = 1.2`, `b = 0.75`, the
//! Lucene idf `ln(1 + (N − df + ½)/(df + ½))`).
//!
//! Why not a search library: the corpus is one docpack's symbols (tens of
//! thousands of short documents) held in memory beside the graph; postings
//! as `(doc, weight)` pairs in one vector per term answer a query in a
//! pass over a few postings lists, and building takes a fraction of a
//! second. BENCHMARKS.md compares its ranking with a reference BM25.

use crate::text::for_each_term;
use rustc_hash::FxHashMap;

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// The text of one document, by field.
#[derive(Debug, Default, Clone, Copy)]
pub struct DocFields<'a> {
    pub name: &'a str,
    pub qualified_name: &'a str,
    pub path: &'a str,
    pub signature: &'a str,
    pub doc_comment: &'a str,
    pub summary: &'a str,
}

/// Field weights, in the order of [`DocFields`].
const WEIGHTS: [f32; 6] = [3.0, 1.0, 1.0, 1.0, 1.0, 1.0];

/// The lexical index.
#[derive(Debug, Default)]
pub struct Bm25 {
    terms: FxHashMap<Box<str>, u32>,
    /// Per term: `(doc, weighted term frequency)`, docs ascending.
    postings: Vec<Vec<(u32, f32)>>,
    doc_len: Vec<f32>,
    avg_len: f32,
}

impl Bm25 {
    /// Indexes documents `0..docs.len()`: terms are counted per document
    /// in parallel, then merged into postings in document order.
    pub fn build(docs: &[DocFields<'_>]) -> Bm25 {
        use rayon::prelude::*;
        let counted: Vec<(Vec<(String, f32)>, f32)> = docs
            .par_iter()
            .map(|fields| {
                let mut counts: FxHashMap<String, f32> = FxHashMap::default();
                let texts = [
                    fields.name,
                    fields.qualified_name,
                    fields.path,
                    fields.signature,
                    fields.doc_comment,
                    fields.summary,
                ];
                let mut len = 0.0;
                for (text, weight) in texts.iter().zip(WEIGHTS) {
                    for_each_term(text, |t| {
                        *counts.entry(t).or_default() += weight;
                        len += weight;
                    });
                }
                (counts.into_iter().collect(), len)
            })
            .collect();
        let mut index = Bm25 {
            doc_len: Vec::with_capacity(docs.len()),
            ..Bm25::default()
        };
        for (doc, (counts, len)) in counted.into_iter().enumerate() {
            for (term, tf) in counts {
                let next = index.postings.len() as u32;
                let id = *index.terms.entry(term.into_boxed_str()).or_insert(next);
                if id == next {
                    index.postings.push(Vec::new());
                }
                index.postings[id as usize].push((doc as u32, tf));
            }
            index.doc_len.push(len);
        }
        let n = index.doc_len.len().max(1) as f32;
        index.avg_len = (index.doc_len.iter().sum::<f32>() / n).max(1.0);
        index
    }

    pub fn len(&self) -> usize {
        self.doc_len.len()
    }

    pub fn is_empty(&self) -> bool {
        self.doc_len.is_empty()
    }

    /// Distinct terms indexed.
    pub fn vocabulary(&self) -> usize {
        self.terms.len()
    }

    /// BM25 scores of every document for the query's terms (0 for a
    /// document with none of them). A term repeated in the query counts once.
    pub fn scores(&self, query_terms: &[String]) -> Vec<f32> {
        let mut scores = vec![0f32; self.doc_len.len()];
        let n = self.doc_len.len() as f32;
        let mut seen: Vec<u32> = Vec::new();
        for term in query_terms {
            let Some(&id) = self.terms.get(term.as_str()) else {
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let postings = &self.postings[id as usize];
            let df = postings.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(doc, tf) in postings {
                let norm = K1 * (1.0 - B + B * self.doc_len[doc as usize] / self.avg_len);
                scores[doc as usize] += idf * tf * (K1 + 1.0) / (tf + norm);
            }
        }
        scores
    }

    /// Approximate heap bytes of the index.
    pub fn heap_bytes(&self) -> usize {
        let postings: usize = self.postings.iter().map(|p| p.capacity() * 8 + 24).sum();
        let terms: usize = self.terms.keys().map(|k| k.len() + 24).sum();
        postings + terms + self.doc_len.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::terms;

    fn doc<'a>(name: &'a str, doc_comment: &'a str) -> DocFields<'a> {
        DocFields {
            name,
            qualified_name: name,
            doc_comment,
            ..DocFields::default()
        }
    }

    #[test]
    fn rare_terms_and_names_weigh_more() {
        let docs = [
            doc("parse_header", "Reads one header line."),
            doc("write_body", "Writes the body; see header."),
            doc("read_line", "Reads a line."),
        ];
        let index = Bm25::build(&docs);
        let s = index.scores(&terms("parse header"));
        assert!(s[0] > s[1] && s[1] > 0.0 && s[2] == 0.0, "{s:?}");
        assert_eq!(index.len(), 3);
    }

    #[test]
    fn empty_queries_and_unknown_terms_score_nothing() {
        let index = Bm25::build(&[doc("a_b", "")]);
        assert_eq!(index.scores(&[]), [0.0]);
        assert_eq!(index.scores(&terms("zzz")), [0.0]);
        assert_eq!(Bm25::build(&[]).scores(&terms("x")), Vec::<f32>::new());
    }
}
