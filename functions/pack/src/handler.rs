//! The pack stage handler.

use crate::inputs::{read_inputs, StoredLines};
use crate::mapping::{docpack_input, source_info, with_contexts, PackOptions, Packed, Streams};
use doctown_core::events::pack::{PackCompleted, PackStarted};
use doctown_core::{JobState, JobStatus, Stage, StageStatus, DOCPACK_ARTIFACT};
use doctown_docpack::blocks::{BlockCache, BlockIndex};
use doctown_docpack::{DocpackError, WrittenDocpack};
use doctown_pipeline::memo::{Memo, Slot};
use doctown_pipeline::{now_ms, StageContext, StageFailure, StageHandler, StageOutput};
use doctown_store::{ObjectStore, ObjectWriter};
use std::io::BufWriter;
use std::path::Path;

/// Packs a job's artifacts into `jobs/<job>/pack/<name>.docpack`.
#[derive(Debug, Default)]
pub struct PackHandler;

/// `NAME.docpack` for a job: the source's name, made safe for a file name.
pub fn docpack_file_name(state: &JobState) -> String {
    let raw = state
        .source
        .as_ref()
        .map(|s| s.name.as_str())
        .unwrap_or("repository");
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_matches(['.', '-']).to_string();
    if name.is_empty() {
        name = "repository".to_string();
    }
    format!("{name}.docpack")
}

/// The memo entry of a source's last docpack blocks: the index of the
/// docpack it names, whose blocks the next pack reads from it. Its
/// version is that of the blocks' format and key (BLAKE3 of the content).
pub const BLOCKS: Slot<'static> = Slot {
    name: "blocks",
    version: 2,
    input: &[],
};

/// The previous docpack's blocks, or none. The memo only saves work: a
/// missing or damaged index, or a docpack that is gone or is not the one
/// indexed, means deflating every block.
pub fn previous_blocks(memo: &Memo<'_>, store: &dyn ObjectStore) -> BlockCache {
    let Some((docpack_key, index)) = memo
        .get(BLOCKS)
        .and_then(|bytes| BlockIndex::from_bytes(&bytes))
    else {
        return BlockCache::default();
    };
    match store.get_bytes(&docpack_key) {
        Ok(Some(docpack)) => index.cache(docpack),
        Ok(None) => BlockCache::default(),
        Err(e) => {
            tracing::warn!("previous docpack blocks not reused: {e}");
            BlockCache::default()
        }
    }
}

/// Writes the docpack into `out` (the store's writer of its key, committed
/// by the caller), its parts spooled in `spool`: memory holds the typed
/// parts but the symbols (spooled as they were read) and the deflated
/// blocks, never the JSON (hundreds of megabytes for a kernel).
fn write_docpack<'s>(
    packed: Packed,
    previous: &BlockCache,
    spool: &Path,
    out: Box<dyn ObjectWriter + 's>,
) -> Result<WrittenDocpack<Box<dyn ObjectWriter + 's>>, StageFailure> {
    let Packed { input, nodes } = packed;
    let out = BufWriter::with_capacity(1 << 20, out);
    doctown_docpack::write_docpack(input, Some(nodes), previous, spool, out)
        .map_err(|e| match e {
            DocpackError::Write(_) => StageFailure::transient(e.to_string()),
            _ => StageFailure::internal(e.to_string()),
        })?
        .try_map_out(|w| {
            w.into_inner().map_err(|e| {
                StageFailure::transient(format!("cannot write the docpack: {}", e.error()))
            })
        })
}

fn spool_failure(e: std::io::Error) -> StageFailure {
    StageFailure::transient(format!("cannot write the docpack to a temporary file: {e}"))
}

impl PackHandler {
    fn pack(
        &self,
        ctx: &StageContext<'_>,
        name: &str,
    ) -> Result<(StageOutput, PackCompleted), StageFailure> {
        let options: PackOptions = ctx.options(Stage::Pack)?;
        let inputs = read_inputs(ctx.store, ctx.job, |model| with_contexts(&options, model))?;
        let source = source_info(ctx.job.source.as_ref(), name.trim_end_matches(".docpack"));
        let spool = tempfile::tempdir().map_err(spool_failure)?;
        let mut symbols = StoredLines::symbols(ctx.store, &inputs.symbols_key);
        let mut chunks = StoredLines::chunks(ctx.store, &inputs.chunk_keys);
        let streams = Streams {
            symbols: &mut symbols,
            chunks: &mut chunks,
        };
        let memo = Memo::for_job(ctx.store, ctx.job, Stage::Pack);
        // The last docpack is read while the parts are made.
        let (packed, previous) = std::thread::scope(|scope| {
            let previous = scope.spawn(|| previous_blocks(&memo, ctx.store));
            let packed = docpack_input(inputs, streams, &source, &options, spool.path());
            let previous = previous
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            packed.map(|packed| (packed, previous))
        })?;
        let key = ctx.artifact_key(Stage::Pack, name);
        let written = write_docpack(packed, &previous, spool.path(), ctx.store.writer(&key)?)?;
        drop(previous);
        written.out.commit()?;
        memo.put(BLOCKS, &written.blocks.to_bytes(&key));
        let sha256 = written.sha256;
        let summary = serde_json::json!({
            "name": name,
            "size_bytes": written.size_bytes,
            "sha256": sha256,
            "docpack_id": written.manifest.docpack_id,
            "symbols": written.manifest.statistics.symbols,
            "blocks": written.block_count,
            "blocks_reused": written.blocks_reused,
        });
        let output = StageOutput {
            summary,
            ..StageOutput::succeeded()
        }
        .with_artifact(DOCPACK_ARTIFACT, &key);
        let completed = PackCompleted {
            status: JobStatus::Succeeded,
            key: Some(key),
            size_bytes: written.size_bytes,
            sha256: Some(sha256),
            docpack_id: Some(written.manifest.docpack_id.clone()),
            duration_ms: 0,
            error: None,
        };
        Ok((output, completed))
    }
}

impl StageHandler for PackHandler {
    fn stage(&self) -> Stage {
        Stage::Pack
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        let started = now_ms();
        let name = docpack_file_name(ctx.job);
        ctx.events.emit(&PackStarted { name: name.clone() });
        let result = self.pack(ctx, &name);
        let duration_ms = now_ms().saturating_sub(started);
        match result {
            Ok((mut output, mut completed)) => {
                completed.duration_ms = duration_ms;
                ctx.events.emit(&completed);
                output.status = StageStatus::Succeeded;
                Ok(output)
            }
            Err(failure) => {
                ctx.events.emit(&PackCompleted {
                    status: JobStatus::Failed,
                    key: None,
                    size_bytes: 0,
                    sha256: None,
                    docpack_id: None,
                    duration_ms,
                    error: Some(failure.message.clone()),
                });
                Err(failure)
            }
        }
    }
}
