//! Pre-signed download URLs: a client fetches a large object (a docpack)
//! straight from the bucket instead of through the server.

use crate::store::S3Store;
use aws_sdk_s3::presigning::PresigningConfig;
use doctown_store::StoreError;
use std::time::Duration;

impl S3Store {
    /// A URL that GETs `key` for `expires_in`, downloaded as `filename`
    /// (`Content-Disposition: attachment`). Signs locally; makes no request.
    pub fn presigned_get(
        &self,
        key: &str,
        filename: &str,
        expires_in: Duration,
    ) -> Result<String, StoreError> {
        let full = self.full_key(key)?;
        let config = PresigningConfig::expires_in(expires_in).map_err(|e| StoreError::Backend {
            key: key.to_string(),
            message: format!("pre-signing: {e}"),
            retryable: false,
        })?;
        let disposition = format!("attachment; filename=\"{}\"", filename.replace('"', "_"));
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&full)
            .response_content_disposition(disposition)
            .presigned(config);
        let signed = self.block(request).map_err(|e| StoreError::Backend {
            key: key.to_string(),
            message: format!("pre-signing: {e}"),
            retryable: false,
        })?;
        Ok(signed.uri().to_string())
    }
}
