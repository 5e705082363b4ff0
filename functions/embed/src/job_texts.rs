//! A job's chunks as distinct embedded texts, and the vectors file written
//! from their vectors.
//!
//! Chunks are read shard by shard (JSON Lines of [`Chunk`]); each chunk's
//! text ([`crate::text::chunk_text`]) is hashed, and chunks with the same
//! hash share one text, one vector and one row of the vectors file.

use crate::config::EmbedConfig;
use crate::error::EmbedError;
use crate::text::{chunk_text, text_hash};
use crate::vectors::VectorsWriter;
use doctown_core::Chunk;
use doctown_pipeline::StageFailure;
use doctown_store::ObjectStore;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};

/// Distinct texts of a job's chunks, and which text each chunk has.
pub(crate) struct Texts {
    /// `(hash, text)` in first-appearance order.
    pub unique: Vec<(String, String)>,
    /// `(chunk id, index into unique)` in chunk order.
    pub chunks: Vec<(String, usize)>,
    /// Chunks left out for their file's role.
    pub skipped: u64,
}

/// The texts of the chunks `config` embeds ([`EmbedConfig::embeds`]).
pub(crate) fn read_chunks(
    store: &dyn ObjectStore,
    shards: &[String],
    config: &EmbedConfig,
) -> Result<Texts, StageFailure> {
    let max_length = config.max_length;
    let mut texts = Texts {
        unique: Vec::new(),
        chunks: Vec::new(),
        skipped: 0,
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    for key in shards {
        let reader = store.get_stream(key)?.ok_or_else(|| {
            StageFailure::invalid(format!(
                "chunk shard {key} named in the ingest manifest is missing"
            ))
        })?;
        let lines: Vec<String> = BufReader::new(reader)
            .lines()
            .collect::<Result<_, _>>()
            .map_err(|e| StageFailure::transient(format!("reading {key}: {e}")))?;
        // Parsing a chunk and making its text are the work: on every core,
        // then the texts are numbered in chunk order.
        let read: Vec<Option<(String, String, String)>> = lines
            .par_iter()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                let chunk: Chunk = serde_json::from_str(line).map_err(|e| {
                    StageFailure::invalid(format!("{key} line {}: not a chunk: {e}", n + 1))
                })?;
                if !config.embeds(&chunk) {
                    return Ok(None);
                }
                let text = chunk_text(&chunk, max_length);
                let hash = text_hash(&text, max_length);
                Ok(Some((chunk.id.as_str().to_string(), hash, text)))
            })
            .collect::<Result<_, StageFailure>>()?;
        for entry in read {
            let Some((chunk_id, hash, text)) = entry else {
                texts.skipped += 1;
                continue;
            };
            let next = texts.unique.len();
            let slot = *index.entry(hash.clone()).or_insert(next);
            if slot == next {
                texts.unique.push((hash, text));
            }
            texts.chunks.push((chunk_id, slot));
        }
    }
    Ok(texts)
}

/// The vectors file: one row per distinct text, in first-appearance order.
pub(crate) fn write_vectors(
    texts: &Texts,
    vectors: &[Option<Vec<f32>>],
    dims: usize,
) -> Result<Vec<u8>, StageFailure> {
    let mut writer = VectorsWriter::new(dims);
    let mut rows: Vec<Option<u32>> = vec![None; texts.unique.len()];
    for (chunk_id, slot) in &texts.chunks {
        let row = match rows[*slot] {
            Some(row) => row,
            None => {
                let vector = vectors[*slot].as_deref();
                let vector =
                    vector.ok_or_else(|| StageFailure::internal("a text has no vector"))?;
                *rows[*slot].insert(writer.push_row(vector).map_err(EmbedError::from)?)
            }
        };
        writer.map(chunk_id, row).map_err(EmbedError::from)?;
    }
    Ok(writer.to_bytes())
}
