//! An in-memory BM25 index over symbols.
//!
//! One document per symbol, made of weighted fields: the name (×3), the
//! qualified name and the path (×1 each, the owner's and directory's words),
//! the signature, the doc comment, the summary and the words of the
//! symbol's code (×1; docpack 1.2). BM25F: a term's frequency in each field
//! is normalised by that field's length against the field's average
//! (`b = 0.75`), the weighted sum over fields is the term's pseudo
//! frequency, scored with Okapi BM25's saturation (`k1 = 1.2`) and the
//! Lucene idf `ln(1 + (N − df + ½)/(df + ½))`. Normalising per field
//! matters: with one length over all fields, a long code-words field
//! diluted every name match (MRR 0.432 against 0.508 on the search
//! evaluation, BENCHMARKS.md).
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
    /// The words of the symbol's own code (docpack 1.2).
    pub words: &'a str,
}

/// Field weights, in the order of [`DocFields`].
const WEIGHTS: [f32; FIELDS] = [3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];

/// Fields of a document, in the order of [`DocFields`].
const FIELDS: usize = 7;

/// One document's terms, counted per field, and its fields' lengths.
pub struct Counted {
    terms: Vec<(String, [f32; FIELDS])>,
    lens: [f32; FIELDS],
}

impl Counted {
    pub fn of(fields: &DocFields<'_>) -> Counted {
        let mut counts: FxHashMap<String, [f32; FIELDS]> = FxHashMap::default();
        let texts = [
            fields.name,
            fields.qualified_name,
            fields.path,
            fields.signature,
            fields.doc_comment,
            fields.summary,
            fields.words,
        ];
        let mut lens = [0f32; FIELDS];
        for (f, text) in texts.iter().enumerate() {
            for_each_term(text, |t| {
                counts.entry(t).or_default()[f] += 1.0;
                lens[f] += 1.0;
            });
        }
        Counted {
            terms: counts.into_iter().collect(),
            lens,
        }
    }
}

/// The fields' average lengths over a corpus of a known size: the first
/// of the two passes an index is built in (BM25F normalises by each
/// field's average). Summed as `len / n` in document order, in `f32`.
#[derive(Debug, Clone)]
pub struct FieldLengths {
    avg: [f32; FIELDS],
    n: f32,
}

impl FieldLengths {
    pub fn new(docs: usize) -> FieldLengths {
        FieldLengths {
            avg: [0.0; FIELDS],
            n: docs.max(1) as f32,
        }
    }

    pub fn add(&mut self, doc: &Counted) {
        for f in 0..FIELDS {
            self.avg[f] += doc.lens[f] / self.n;
        }
    }
}

/// The second pass: documents added in order, `0, 1, …`.
pub struct Bm25Builder {
    avg: [f32; FIELDS],
    index: Bm25,
}

impl Bm25Builder {
    pub fn new(lengths: &FieldLengths) -> Bm25Builder {
        Bm25Builder {
            avg: lengths.avg,
            index: Bm25::default(),
        }
    }

    /// Adds the next document.
    pub fn add(&mut self, doc: Counted) {
        let index = &mut self.index;
        let id = index.docs as u32;
        index.docs += 1;
        let norm: [f32; FIELDS] =
            std::array::from_fn(|f| 1.0 - B + B * doc.lens[f] / self.avg[f].max(1e-6));
        for (term, tf) in doc.terms {
            let pseudo: f32 = (0..FIELDS).map(|f| WEIGHTS[f] * tf[f] / norm[f]).sum();
            if pseudo <= 0.0 {
                continue;
            }
            let next = index.postings.len() as u32;
            let t = *index.terms.entry(term.into_boxed_str()).or_insert(next);
            if t == next {
                index.postings.push(Vec::new());
            }
            index.postings[t as usize].push((id, pseudo));
        }
    }

    pub fn finish(mut self) -> Bm25 {
        for p in &mut self.index.postings {
            p.shrink_to_fit();
        }
        self.index
    }
}

/// The lexical index.
#[derive(Debug, Default)]
pub struct Bm25 {
    terms: FxHashMap<Box<str>, u32>,
    /// Per term: `(doc, pseudo term frequency)`, docs ascending: the
    /// field-weighted sum of the term's length-normalised frequencies.
    postings: Vec<Vec<(u32, f32)>>,
    docs: usize,
}

impl Bm25 {
    /// Indexes documents `0..docs.len()`: terms are counted per document
    /// and field in parallel, each field's frequencies normalised by its
    /// length against that field's average (so a long code-words field
    /// does not dilute a short name), then merged into postings in
    /// document order.
    pub fn build(docs: &[DocFields<'_>]) -> Bm25 {
        use rayon::prelude::*;
        let counted: Vec<Counted> = docs.par_iter().map(Counted::of).collect();
        let mut lengths = FieldLengths::new(docs.len());
        for c in &counted {
            lengths.add(c);
        }
        let mut builder = Bm25Builder::new(&lengths);
        for c in counted {
            builder.add(c);
        }
        builder.finish()
    }

    pub fn len(&self) -> usize {
        self.docs
    }

    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }

    /// Distinct terms indexed.
    pub fn vocabulary(&self) -> usize {
        self.terms.len()
    }

    /// BM25 scores of every document for the query's terms (0 for a
    /// document with none of them). A term repeated in the query counts once.
    pub fn scores(&self, query_terms: &[String]) -> Vec<f32> {
        let mut scores = vec![0f32; self.docs];
        let n = self.docs as f32;
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
                scores[doc as usize] += idf * tf * (K1 + 1.0) / (tf + K1);
            }
        }
        scores
    }

    /// Writes the index: documents (u64), terms (u32), then per term its
    /// text (u32 length, UTF-8) and postings (u32 count, then `(doc u32,
    /// weight f32)` pairs, documents ascending), little-endian.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        let mut by_id: Vec<&str> = vec![""; self.postings.len()];
        for (term, &id) in &self.terms {
            by_id[id as usize] = term;
        }
        w.write_all(&(self.docs as u64).to_le_bytes())?;
        w.write_all(&(by_id.len() as u32).to_le_bytes())?;
        for (term, postings) in by_id.iter().zip(&self.postings) {
            w.write_all(&(term.len() as u32).to_le_bytes())?;
            w.write_all(term.as_bytes())?;
            w.write_all(&(postings.len() as u32).to_le_bytes())?;
            for &(doc, weight) in postings {
                w.write_all(&doc.to_le_bytes())?;
                w.write_all(&weight.to_le_bytes())?;
            }
        }
        Ok(())
    }

    /// Reads what [`Bm25::write_to`] wrote, checking every term and posting.
    pub fn read_from(r: &mut impl std::io::Read) -> Result<Bm25, String> {
        let docs = read_u64(r)? as usize;
        let count = read_u32(r)? as usize;
        let mut index = Bm25 {
            docs,
            ..Bm25::default()
        };
        for id in 0..count {
            let len = read_u32(r)? as usize;
            if len > 1 << 16 {
                return Err(format!("term {id} is {len} bytes long"));
            }
            let mut text = vec![0u8; len];
            r.read_exact(&mut text).map_err(|e| e.to_string())?;
            let text = String::from_utf8(text).map_err(|_| format!("term {id} is not UTF-8"))?;
            if index
                .terms
                .insert(text.into_boxed_str(), id as u32)
                .is_some()
            {
                return Err(format!("term {id} is listed twice"));
            }
            let n = read_u32(r)? as usize;
            if n > docs {
                return Err(format!("term {id} has {n} postings for {docs} documents"));
            }
            let mut postings = Vec::with_capacity(n);
            let mut last: Option<u32> = None;
            for _ in 0..n {
                let doc = read_u32(r)?;
                let weight = f32::from_bits(read_u32(r)?);
                if doc as usize >= docs
                    || last.is_some_and(|l| l >= doc)
                    || weight.is_nan()
                    || weight <= 0.0
                {
                    return Err(format!("term {id} has a posting out of order or range"));
                }
                last = Some(doc);
                postings.push((doc, weight));
            }
            index.postings.push(postings);
        }
        Ok(index)
    }

    /// Approximate heap bytes of the index.
    pub fn heap_bytes(&self) -> usize {
        let postings: usize = self.postings.iter().map(|p| p.capacity() * 8 + 24).sum();
        let terms: usize = self.terms.keys().map(|k| k.len() + 24).sum();
        postings + terms
    }
}

fn read_u32(r: &mut impl std::io::Read) -> Result<u32, String> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).map_err(|e| e.to_string())?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl std::io::Read) -> Result<u64, String> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b).map_err(|e| e.to_string())?;
    Ok(u64::from_le_bytes(b))
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
    fn long_code_words_do_not_dilute_a_name_match() {
        let words: String = (0..40).map(|i| format!("word{i} ")).collect();
        let with = |a_words: &'static str, b_words: &'static str| {
            let mut a = doc("parse_header", "");
            a.words = a_words;
            let mut b = doc("zz", "");
            b.words = b_words;
            (a, b)
        };
        let words: &'static str = Box::leak(words.into_boxed_str());
        let (a, b) = with("", words);
        let short = Bm25::build(&[a, b]).scores(&terms("parse"))[0];
        let (a, b) = with(words, "");
        let long = Bm25::build(&[a, b]).scores(&terms("parse"))[0];
        assert!(short > 0.0 && (short - long).abs() < 1e-6, "{short} {long}");
    }

    #[test]
    fn an_index_read_back_scores_as_the_one_written() {
        let docs = [
            doc("parse_header", "Reads one header line."),
            doc("write_body", "Writes the body; see header."),
        ];
        let index = Bm25::build(&docs);
        let mut bytes = Vec::new();
        index.write_to(&mut bytes).unwrap();
        let back = Bm25::read_from(&mut bytes.as_slice()).unwrap();
        let q = terms("header body");
        assert_eq!(back.scores(&q), index.scores(&q));
        assert_eq!(back.vocabulary(), index.vocabulary());
        for cut in [0, 5, bytes.len() / 2, bytes.len() - 1] {
            assert!(Bm25::read_from(&mut &bytes[..cut]).is_err(), "{cut}");
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 5;
        flipped[last] ^= 0x80; // the last posting's document number
        assert!(Bm25::read_from(&mut flipped.as_slice()).is_err());
    }

    #[test]
    fn empty_queries_and_unknown_terms_score_nothing() {
        let index = Bm25::build(&[doc("a_b", "")]);
        assert_eq!(index.scores(&[]), [0.0]);
        assert_eq!(index.scores(&terms("zzz")), [0.0]);
        assert_eq!(Bm25::build(&[]).scores(&terms("x")), Vec::<f32>::new());
    }
}
