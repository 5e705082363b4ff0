//! Assemble reads the embed stage's vectors through this adapter, so the
//! assemble crate needs no ONNX Runtime.

use doctown_assemble::{VectorLookup, VectorSource};
use doctown_core::Stage;
use doctown_embed::VectorsReader;
use doctown_pipeline::{StageContext, StageFailure};

/// Opens `jobs/<job>/embed/vectors.bin` when the embed stage produced it.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmbedVectors;

struct Lookup(VectorsReader);

impl VectorLookup for Lookup {
    fn dims(&self) -> usize {
        self.0.dims()
    }

    fn get(&self, chunk_id: &str) -> Option<Vec<f32>> {
        self.0.get(chunk_id).map(<[f32]>::to_vec)
    }
}

impl VectorSource for EmbedVectors {
    fn open(&self, ctx: &StageContext<'_>) -> Result<Option<Box<dyn VectorLookup>>, StageFailure> {
        let embed = ctx.job.stage(Stage::Embed);
        let Some(key) = embed
            .artifacts
            .get("vectors")
            .filter(|_| embed.status.is_done())
        else {
            return Ok(None);
        };
        let bytes = ctx
            .store
            .get_bytes(key)?
            .ok_or_else(|| StageFailure::invalid(format!("missing artifact {key}")))?;
        let reader = VectorsReader::open(&bytes)
            .map_err(|e| StageFailure::invalid(format!("vectors artifact {key}: {e}")))?;
        Ok(Some(Box::new(Lookup(reader))))
    }
}
