//! SIGTERM / SIGINT → a stop token: workers stop taking work and drain.

use doctown_pipeline::CancelToken;

/// Cancels `stop` on the first SIGTERM or SIGINT (from a background thread
/// with its own small runtime). Returns an error when signals cannot be
/// watched.
pub fn stop_on_signals(stop: CancelToken) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let mut term = {
        let _guard = runtime.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?
    };
    std::thread::Builder::new()
        .name("doctown-signals".into())
        .spawn(move || {
            runtime.block_on(async {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            });
            tracing::info!("stop requested: finishing the work in hand");
            stop.cancel();
        })?;
    Ok(())
}
