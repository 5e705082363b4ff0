//! [`BlockingRuntime`]: the Tokio runtime a synchronous client (the S3
//! store, the SQS queues) owns and blocks on — usable from any thread.
//!
//! `Runtime::block_on` panics on a thread that is already inside a runtime's
//! context (an async task, a `spawn_blocking` thread, a stage that runs its
//! own runtime), and dropping a runtime inside an async task panics too. A
//! client built on it would have threads it must not be called from, found
//! only at run time. [`BlockingRuntime::block_on`] has none: inside another
//! runtime's context it polls the future on the calling thread with this
//! runtime entered, so the sockets and timers the future creates register
//! with this runtime and its worker threads drive them. No thread is started
//! per call, and nothing is refused. Dropped inside an async context, the
//! runtime shuts down in the background instead of panicking.
//!
//! From an async task a call still blocks that task's worker thread for its
//! duration, like any blocking IO; async code should prefer
//! `spawn_blocking`, but a mistake costs latency, not a panic or a lost write.

use std::future::Future;
use std::io;

/// A multi-thread runtime for blocking clients (see the crate docs).
#[derive(Debug)]
pub struct BlockingRuntime {
    runtime: Option<tokio::runtime::Runtime>,
}

impl BlockingRuntime {
    /// A runtime with `workers` threads named `name`.
    pub fn new(name: &str, workers: usize) -> io::Result<BlockingRuntime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .thread_name(name)
            .enable_all()
            .build()?;
        Ok(BlockingRuntime {
            runtime: Some(runtime),
        })
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("present until dropped")
    }

    /// Runs `future` to completion on this runtime, from any thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let runtime = self.runtime();
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime.block_on(future);
        }
        let _entered = runtime.enter();
        futures_executor::block_on(future)
    }
}

impl Drop for BlockingRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                runtime.shutdown_background();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn io_and_timer() -> u32 {
        // A socket and a timer, both registered with the blocking runtime.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = tokio::spawn(async move { listener.accept().await.is_ok() });
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        u32::from(accept.await.unwrap())
    }

    #[test]
    fn blocks_from_a_plain_thread() {
        let blocking = BlockingRuntime::new("t-plain", 1).unwrap();
        assert_eq!(blocking.block_on(io_and_timer()), 1);
    }

    #[test]
    fn blocks_from_inside_other_runtimes_and_drops_there() {
        let blocking = BlockingRuntime::new("t-inner", 2).unwrap();
        let outer = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Directly inside an async task, and from a spawn_blocking thread:
        // both would panic with Runtime::block_on.
        let (direct, from_pool) = outer.block_on(async {
            let direct = blocking.block_on(io_and_timer());
            let shared = std::sync::Arc::new(blocking);
            let in_pool = shared.clone();
            let from_pool = tokio::task::spawn_blocking(move || in_pool.block_on(io_and_timer()))
                .await
                .unwrap();
            drop(shared); // the last owner dropped in async context: no panic
            (direct, from_pool)
        });
        assert_eq!((direct, from_pool), (1, 1));
    }

    #[test]
    fn inside_a_runtime_the_call_runs_on_the_calling_thread() {
        let blocking = BlockingRuntime::new("t-here", 1).unwrap();
        let outer = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let here = std::thread::current().id();
        let ran_on = outer.block_on(async {
            (0..100)
                .map(|_| blocking.block_on(async { std::thread::current().id() }))
                .collect::<Vec<_>>()
        });
        assert!(ran_on.iter().all(|id| *id == here));
    }
}
