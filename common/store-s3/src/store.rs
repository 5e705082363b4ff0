//! The store: one S3 client and the runtime it runs on (its
//! `ObjectStore` calls are in the `object_store` module).

use crate::config::{S3Config, MIN_PART_SIZE};
use crate::errors::{classify, Failure};
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use doctown_blocking::BlockingRuntime;
use doctown_store::{validate_key, Condition, Etag, StoreError};
use std::future::Future;
use std::sync::Arc;

/// An [`ObjectStore`](doctown_store::ObjectStore) over one bucket (and key
/// prefix) of an S3-compatible service. Cheap to share (`Arc`); every call
/// blocks the calling thread.
pub struct S3Store {
    pub(crate) client: Client,
    pub(crate) runtime: Arc<BlockingRuntime>,
    pub(crate) bucket: String,
    pub(crate) prefix: String,
    pub(crate) part_size: usize,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// Builds the client (loading the default credential chain when no
    /// static credentials are given). Makes no request.
    pub fn connect(config: &S3Config) -> Result<S3Store, StoreError> {
        let runtime =
            BlockingRuntime::new("doctown-s3", 2).map_err(|e| StoreError::io(&config.bucket, e))?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(c) = &config.credentials {
            loader = loader.credentials_provider(Credentials::new(
                c.access_key_id.clone(),
                c.secret_access_key.clone(),
                c.session_token.clone(),
                None,
                "doctown-static",
            ));
        }
        let shared = runtime.block_on(loader.load());
        let mut builder = aws_sdk_s3::config::Builder::from(&shared);
        if shared.region().is_none() {
            builder = builder.region(Region::new("us-east-1"));
        }
        let client = Client::from_conf(builder.force_path_style(config.force_path_style).build());
        Ok(S3Store {
            client,
            runtime: Arc::new(runtime),
            bucket: config.bucket.clone(),
            prefix: config.normalized_prefix(),
            part_size: config.part_size.max(MIN_PART_SIZE),
        })
    }

    /// Creates the bucket unless it exists (local servers, tests).
    pub fn ensure_bucket(&self) -> Result<(), StoreError> {
        let bucket = self.bucket.clone();
        let head = self.block(self.client.head_bucket().bucket(&bucket).send());
        if head.is_ok() {
            return Ok(());
        }
        match self.block(self.client.create_bucket().bucket(&bucket).send()) {
            Ok(_) => Ok(()),
            Err(e) => match classify(&bucket, e) {
                Failure::Precondition => Ok(()), // created meanwhile (409)
                other => Err(other.into_error(&bucket)),
            },
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The stored key of an object key.
    pub(crate) fn full_key(&self, key: &str) -> Result<String, StoreError> {
        validate_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    /// Runs a future to completion on this store's runtime, from any thread
    /// (see [`BlockingRuntime`]).
    pub(crate) fn block<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A PUT of `bytes`, on `condition` if any (the trait's `put` and
    /// `put_if`).
    pub(crate) fn put_inner(
        &self,
        key: &str,
        bytes: &[u8],
        condition: Option<&Condition>,
    ) -> Result<Etag, StoreError> {
        let full = self.full_key(key)?;
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&full)
            .body(ByteStream::from(bytes.to_vec()));
        request = match condition {
            None => request,
            Some(Condition::Absent) => request.if_none_match("*"),
            Some(Condition::Matches(etag)) => request.if_match(etag),
        };
        match self.block(request.send()) {
            Ok(out) => Ok(out.e_tag().unwrap_or_default().to_string()),
            Err(e) => Err(match (classify(key, e), condition) {
                (Failure::NotFound, Some(_)) | (Failure::Precondition, _) => {
                    StoreError::PreconditionFailed {
                        key: key.to_string(),
                    }
                }
                (other, _) => other.into_error(key),
            }),
        }
    }
}
