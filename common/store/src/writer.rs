//! Objects written as they are made ([`crate::ObjectStore::writer`]): a
//! stage's large artifacts are serialised straight into the object rather
//! than into a temporary file first and then copied into the store.

use crate::{Etag, ObjectStore, StoreError};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};

/// An object being written: its bytes go in through [`Write`], and
/// [`ObjectWriter::commit`] stores it. Nothing is visible under the key
/// before the commit, and a writer dropped without one stores nothing.
pub trait ObjectWriter: Write {
    /// Stores what was written, replacing any previous object.
    fn commit(self: Box<Self>) -> Result<Etag, StoreError>;
}

/// The writer of a store that must see a whole object to store it (S3
/// wants a length or a multipart upload): the bytes go to a temporary
/// file, and the commit streams them in with
/// [`ObjectStore::put_stream`].
pub(crate) struct Spooled<'s, S: ObjectStore + ?Sized> {
    store: &'s S,
    key: String,
    file: BufWriter<File>,
}

impl<'s, S: ObjectStore + ?Sized> Spooled<'s, S> {
    pub(crate) fn new(store: &'s S, key: &str) -> Result<Self, StoreError> {
        let file = tempfile::tempfile().map_err(|e| StoreError::io(key, e))?;
        Ok(Spooled {
            store,
            key: key.to_string(),
            file: BufWriter::with_capacity(1 << 20, file),
        })
    }
}

impl<S: ObjectStore + ?Sized> Write for Spooled<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl<S: ObjectStore + ?Sized> ObjectWriter for Spooled<'_, S> {
    fn commit(self: Box<Self>) -> Result<Etag, StoreError> {
        let Spooled { store, key, file } = *self;
        let io = |e: std::io::Error| StoreError::io(&key, e);
        let mut file = file.into_inner().map_err(|e| io(e.into_error()))?;
        file.rewind().map_err(io)?;
        store.put_stream(&key, &mut std::io::BufReader::new(file))
    }
}
