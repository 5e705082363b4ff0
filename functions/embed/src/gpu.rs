//! Choosing the execution provider. Without `use_gpu`: the CPU. With it:
//! CUDA, or an error saying why not — a GPU host that silently embedded on
//! its CPU would be slow and expensive, and say so only in a log line.

use crate::error::EmbedError;
use ort::session::builder::SessionBuilder;

/// Registers CUDA on the session builder when asked for; returns the
/// builder and the device it will run on (`cuda` or `cpu`).
#[cfg(feature = "cuda")]
pub fn with_device(
    builder: SessionBuilder,
    use_gpu: bool,
) -> Result<(SessionBuilder, &'static str), EmbedError> {
    use ort::ep::{ExecutionProvider, CUDA};
    if !use_gpu {
        return Ok((builder, "cpu"));
    }
    match CUDA::is_available() {
        Ok(true) => builder
            .with_execution_providers([CUDA::default().build().error_on_failure()])
            .map(|builder| (builder, "cuda"))
            .map_err(|e| gpu_unavailable(format!("the CUDA execution provider failed to register: {e}"))),
        Ok(false) => Err(gpu_unavailable(
            "this ONNX Runtime library has no CUDA execution provider (use the onnxruntime-gpu build)"
                .into(),
        )),
        Err(e) => Err(gpu_unavailable(format!(
            "cannot query the CUDA execution provider: {e}"
        ))),
    }
}

/// Without the `cuda` feature there is no GPU to use.
#[cfg(not(feature = "cuda"))]
pub fn with_device(
    builder: SessionBuilder,
    use_gpu: bool,
) -> Result<(SessionBuilder, &'static str), EmbedError> {
    if use_gpu {
        return Err(gpu_unavailable(
            "this binary was built without the `cuda` feature (cargo build --features cuda)".into(),
        ));
    }
    Ok((builder, "cpu"))
}

fn gpu_unavailable(reason: String) -> EmbedError {
    EmbedError::GpuUnavailable(reason)
}
