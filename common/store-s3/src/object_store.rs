//! The [`ObjectStore`] interface on an [`S3Store`]: one request per call,
//! except the streams ([`crate::stream`]: multipart uploads, a body read
//! chunk by chunk).

use crate::errors::{backend, classify, Failure};
use crate::store::S3Store;
use crate::stream::{get_stream, put_stream};
use doctown_store::{Condition, Etag, Object, ObjectStore, StoreError};
use std::io::Read;

impl ObjectStore for S3Store {
    fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        let full = self.full_key(key)?;
        let request = self.client.get_object().bucket(&self.bucket).key(&full);
        let out = match self.block(request.send()) {
            Ok(out) => out,
            Err(e) => {
                return match classify(key, e) {
                    Failure::NotFound => Ok(None),
                    other => Err(other.into_error(key)),
                }
            }
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let bytes = self
            .block(out.body.collect())
            .map_err(|e| backend(key, format!("reading the body: {e}"), true))?
            .into_bytes()
            .to_vec();
        Ok(Some(Object { bytes, etag }))
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError> {
        self.put_inner(key, bytes, None)
    }

    fn put_if(&self, key: &str, bytes: &[u8], condition: &Condition) -> Result<Etag, StoreError> {
        self.put_inner(key, bytes, Some(condition))
    }

    fn put_stream(&self, key: &str, reader: &mut dyn Read) -> Result<Etag, StoreError> {
        put_stream(self, key, reader)
    }

    fn get_stream(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>, StoreError> {
        get_stream(self, key)
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let full_prefix = format!("{}{prefix}", self.prefix);
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&full_prefix)
                .set_continuation_token(token.take());
            let out = match self.block(request.send()) {
                Ok(out) => out,
                Err(e) => return Err(classify(prefix, e).into_error(prefix)),
            };
            for object in out.contents() {
                if let Some(key) = object.key().and_then(|k| k.strip_prefix(&self.prefix)) {
                    keys.push(key.to_string());
                }
            }
            match out.next_continuation_token() {
                Some(next) if out.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let full = self.full_key(key)?;
        let request = self.client.delete_object().bucket(&self.bucket).key(&full);
        match self.block(request.send()) {
            Ok(_) => Ok(()),
            Err(e) => match classify(key, e) {
                Failure::NotFound => Ok(()),
                other => Err(other.into_error(key)),
            },
        }
    }

    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        let full = self.full_key(key)?;
        let request = self.client.head_object().bucket(&self.bucket).key(&full);
        match self.block(request.send()) {
            Ok(_) => Ok(true),
            Err(e) => match classify(key, e) {
                Failure::NotFound => Ok(false),
                other => Err(other.into_error(key)),
            },
        }
    }
}
