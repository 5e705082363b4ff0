//! Reading an embeddings response strictly, so that no wrong vector is ever
//! stored: `{"data": [{"index": i, "embedding": [floats]}, …], "model": …,
//! "usage": {"prompt_tokens": n}}`.
//!
//! Refused: not JSON, a vector count other than the text count, an index
//! out of range, missing or repeated (vectors are placed by `index`, not by
//! position), vectors of different lengths or empty, and any value that is
//! not a finite f32 (`NaN`/`Infinity` as Python writes them, `null` as
//! JavaScript writes NaN, or beyond f32's range). Accepted vectors are
//! L2-normalised in f64 as the local path does ([`crate::pooling::normalize`]),
//! so search scores are comparable whichever backend made them.

use serde::Deserialize;

#[derive(Deserialize)]
struct Body {
    data: Vec<Item>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Item {
    index: Option<usize>,
    embedding: Vec<Option<f64>>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
}

/// A response that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// Unit vectors, one per text, in the texts' order.
    pub vectors: Vec<Vec<f32>>,
    /// The model the response names, if it names one.
    pub model: Option<String>,
    /// `usage.prompt_tokens`, when given.
    pub tokens: Option<u64>,
}

impl Embeddings {
    /// The vectors' length (all have the same).
    pub fn dims(&self) -> usize {
        self.vectors.first().map_or(0, Vec::len)
    }
}

/// Parses and checks the response to a request of `texts` texts.
pub fn parse(body: &[u8], texts: usize) -> Result<Embeddings, String> {
    let parsed: Body = serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        if ["NaN", "Infinity"].iter().any(|w| text.contains(w)) {
            format!("the response holds NaN or infinite values: {e}")
        } else {
            format!("the response is not an embeddings list: {e}")
        }
    })?;
    if parsed.data.len() != texts {
        return Err(format!(
            "answered {} vector(s) for {texts} texts",
            parsed.data.len()
        ));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; texts];
    let mut dims = None;
    for (position, item) in parsed.data.into_iter().enumerate() {
        let index = item
            .index
            .ok_or_else(|| format!("vector {position} has no index"))?;
        let slot = slots
            .get_mut(index)
            .ok_or_else(|| format!("index {index} is out of range for {texts} texts"))?;
        if slot.is_some() {
            return Err(format!("index {index} appears twice"));
        }
        let len = item.embedding.len();
        if len == 0 {
            return Err(format!("vector {index} is empty"));
        }
        let first = *dims.get_or_insert(len);
        if first != len {
            return Err(format!(
                "vector {index} has {len} dimensions, another in the same response {first}"
            ));
        }
        *slot = Some(unit(&item.embedding).map_err(|e| format!("vector {index} {e}"))?);
    }
    let vectors = slots.into_iter().flatten().collect::<Vec<_>>();
    debug_assert_eq!(vectors.len(), texts);
    Ok(Embeddings {
        vectors,
        model: parsed.model,
        tokens: parsed.usage.and_then(|u| u.prompt_tokens),
    })
}

/// The vector scaled to unit length, if every value is a finite f32.
fn unit(values: &[Option<f64>]) -> Result<Vec<f32>, String> {
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(x) if x.is_finite() && x.abs() <= f64::from(f32::MAX) => out.push(*x),
            Some(x) => return Err(format!("holds {x} at {i}, not a finite f32")),
            None => return Err(format!("holds null (NaN) at {i}")),
        }
    }
    Ok(crate::pooling::normalize(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_placed_by_index_and_normalised() {
        let body =
            br#"{"data": [{"index": 1, "embedding": [0, 2]}, {"index": 0, "embedding": [3, 4]}],
            "model": "m", "usage": {"prompt_tokens": 7, "total_tokens": 7}}"#;
        let e = parse(body, 2).unwrap();
        assert_eq!(e.vectors, vec![vec![0.6, 0.8], vec![0.0, 1.0]]);
        assert_eq!(
            (e.model.as_deref(), e.tokens, e.dims()),
            (Some("m"), Some(7), 2)
        );
    }

    #[test]
    fn every_wrong_response_is_refused() {
        let cases: [(&[u8], &str); 9] = [
            (b"<html>", "not an embeddings list"),
            (br#"{"data": [{"index": 0, "embedding": [1]}]}"#, "answered 1 vector(s) for 2 texts"),
            (br#"{"data": [{"index": 0, "embedding": [1]}, {"index": 0, "embedding": [1]}]}"#, "appears twice"),
            (br#"{"data": [{"index": 0, "embedding": [1]}, {"index": 2, "embedding": [1]}]}"#, "out of range"),
            (br#"{"data": [{"index": 0, "embedding": [1]}, {"embedding": [1]}]}"#, "no index"),
            (br#"{"data": [{"index": 0, "embedding": [1]}, {"index": 1, "embedding": [1, 2]}]}"#, "dimensions"),
            (br#"{"data": [{"index": 0, "embedding": [1]}, {"index": 1, "embedding": [NaN]}]}"#, "NaN"),
            (br#"{"data": [{"index": 0, "embedding": [1]}, {"index": 1, "embedding": [null]}]}"#, "NaN"),
            (br#"{"data": [{"index": 0, "embedding": [1]}, {"index": 1, "embedding": [1e300]}]}"#, "not a finite f32"),
        ];
        for (body, needle) in cases {
            let err = parse(body, 2).unwrap_err();
            assert!(err.contains(needle), "{err:?} lacks {needle:?}");
        }
        assert!(parse(br#"{"data": [{"index": 0, "embedding": []}]}"#, 1).is_err());
    }
}
