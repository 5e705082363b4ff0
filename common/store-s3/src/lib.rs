//! [`S3Store`]: the [`doctown_store::ObjectStore`] interface on any
//! S3-compatible service — AWS S3, Cloudflare R2, MinIO, moto — through
//! `aws-sdk-s3`.
//!
//! - Endpoint, region, bucket, key prefix and path-style addressing are
//!   configurable ([`S3Config`], or [`S3Config::from_env`]); credentials are
//!   static or come from the SDK's default chain.
//! - Conditional writes use `If-None-Match: *` and `If-Match: <etag>`; a 412
//!   (`PreconditionFailed`), a 409 (`ConditionalRequestConflict`) or a 404
//!   on `If-Match` (moto) become [`doctown_store::StoreError::PreconditionFailed`],
//!   so `update_state` re-reads and retries.
//! - Large objects stream: `put_stream` switches to a multipart upload
//!   above one part (16 MiB by default) and never holds more than one part in
//!   memory; `get_stream` reads the body chunk by chunk.
//!
//! # Sync over async
//!
//! `ObjectStore` is synchronous. Each `S3Store` owns a small multi-thread
//! tokio runtime (two workers) and blocks on it — from any thread: inside
//! another runtime's context (a stage's own runtime, `spawn_blocking`) the
//! request is polled on the calling thread with the store's runtime entered
//! (`doctown_blocking::BlockingRuntime::block_on`), so there is no thread it must not be
//! called from and no helper thread per call or per read.

mod config;
mod errors;
mod object_store;
mod presign;
mod store;
mod stream;

pub use config::{S3Config, S3Credentials};
pub use store::S3Store;
