//! Streaming large objects: multipart uploads one part at a time, and a
//! blocking reader over the response body.

use crate::errors::{backend, classify};
use crate::store::S3Store;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use doctown_blocking::BlockingRuntime;
use doctown_store::{Etag, ObjectStore, StoreError};
use std::io::Read;
use std::sync::Arc;

/// Fills `buf` from `reader` until it is full or the reader ends.
fn fill(
    key: &str,
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    size: usize,
) -> Result<(), StoreError> {
    buf.clear();
    let mut chunk = vec![0u8; 256 * 1024];
    while buf.len() < size {
        let want = (size - buf.len()).min(chunk.len());
        let n = reader
            .read(&mut chunk[..want])
            .map_err(|e| StoreError::io(key, e))?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(())
}

/// Uploads from a reader: one plain PUT when everything fits in a part,
/// else a multipart upload that holds one part in memory at a time and is
/// aborted on any failure.
pub(crate) fn put_stream(
    store: &S3Store,
    key: &str,
    reader: &mut dyn Read,
) -> Result<Etag, StoreError> {
    let full = store.full_key(key)?;
    let mut part = Vec::with_capacity(store.part_size.min(64 * 1024 * 1024));
    fill(key, reader, &mut part, store.part_size)?;
    if part.len() < store.part_size {
        return store.put(key, &part);
    }
    let create = store
        .client
        .create_multipart_upload()
        .bucket(&store.bucket)
        .key(&full);
    let upload = store
        .block(create.send())
        .map_err(|e| classify(key, e).into_error(key))?;
    let upload_id = upload
        .upload_id()
        .ok_or_else(|| backend(key, "CreateMultipartUpload returned no upload id", true))?
        .to_string();
    let result = upload_parts(store, key, &full, &upload_id, reader, part);
    if result.is_err() {
        let abort = store
            .client
            .abort_multipart_upload()
            .bucket(&store.bucket)
            .key(&full)
            .upload_id(&upload_id);
        if let Err(e) = store.block(abort.send()) {
            tracing::warn!(key, error = %aws_sdk_s3::error::DisplayErrorContext(&e), "aborting a multipart upload failed");
        }
    }
    result
}

fn upload_parts(
    store: &S3Store,
    key: &str,
    full: &str,
    upload_id: &str,
    reader: &mut dyn Read,
    mut part: Vec<u8>,
) -> Result<Etag, StoreError> {
    let mut completed = Vec::new();
    let mut number = 1;
    loop {
        let request = store
            .client
            .upload_part()
            .bucket(&store.bucket)
            .key(full)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(std::mem::take(&mut part)));
        let out = store
            .block(request.send())
            .map_err(|e| classify(key, e).into_error(key))?;
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_string))
                .build(),
        );
        fill(key, reader, &mut part, store.part_size)?;
        if part.is_empty() {
            break;
        }
        number += 1;
    }
    let complete = store
        .client
        .complete_multipart_upload()
        .bucket(&store.bucket)
        .key(full)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        );
    let out = store
        .block(complete.send())
        .map_err(|e| classify(key, e).into_error(key))?;
    Ok(out.e_tag().unwrap_or_default().to_string())
}

/// Opens an object for reading; the body is pulled chunk by chunk.
pub(crate) fn get_stream(
    store: &S3Store,
    key: &str,
) -> Result<Option<Box<dyn Read + Send>>, StoreError> {
    let full = store.full_key(key)?;
    let request = store.client.get_object().bucket(&store.bucket).key(&full);
    match store.block(request.send()) {
        Ok(out) => Ok(Some(Box::new(BodyReader {
            key: key.to_string(),
            runtime: store.runtime.clone(),
            body: out.body,
            chunk: Vec::new(),
            at: 0,
        }))),
        Err(e) => match classify(key, e) {
            crate::errors::Failure::NotFound => Ok(None),
            other => Err(other.into_error(key)),
        },
    }
}

/// A blocking `Read` over a streaming body (keeps the runtime alive).
struct BodyReader {
    key: String,
    runtime: Arc<BlockingRuntime>,
    body: ByteStream,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.chunk.len() {
            match self.runtime.block_on(self.body.next()) {
                None => return Ok(0),
                Some(Ok(bytes)) => {
                    self.chunk = bytes.to_vec();
                    self.at = 0;
                }
                Some(Err(e)) => {
                    return Err(std::io::Error::other(format!(
                        "reading {} from S3: {e}",
                        self.key
                    )))
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
