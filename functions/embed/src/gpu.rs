//! Choosing the execution provider: CUDA when the crate is built with the
//! `cuda` feature, the configuration asks for it and the runtime can use it;
//! otherwise the CPU, with a warning saying why.

use ort::session::builder::SessionBuilder;

/// Registers CUDA on the session builder when asked for and possible;
/// returns the builder and the device it will run on (`cuda` or `cpu`).
#[cfg(feature = "cuda")]
pub fn with_device(builder: SessionBuilder, use_gpu: bool) -> (SessionBuilder, &'static str) {
    use ort::ep::{ExecutionProvider, CUDA};
    if !use_gpu {
        return (builder, "cpu");
    }
    match CUDA::is_available() {
        Ok(true) => {
            match builder.with_execution_providers([CUDA::default().build().error_on_failure()]) {
                Ok(builder) => (builder, "cuda"),
                Err(e) => {
                    tracing::warn!(error = %e, "the CUDA execution provider failed to register; embedding on the CPU");
                    (e.recover(), "cpu")
                }
            }
        }
        Ok(false) => {
            tracing::warn!(
                "this ONNX Runtime library has no CUDA execution provider; embedding on the CPU"
            );
            (builder, "cpu")
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot query the CUDA execution provider; embedding on the CPU");
            (builder, "cpu")
        }
    }
}

/// Without the `cuda` feature: always the CPU.
#[cfg(not(feature = "cuda"))]
pub fn with_device(builder: SessionBuilder, use_gpu: bool) -> (SessionBuilder, &'static str) {
    if use_gpu {
        tracing::warn!("GPU requested but doctown-embed was built without the `cuda` feature; embedding on the CPU");
    }
    (builder, "cpu")
}
