//! An object store in a local directory: one file per key, written by atomic
//! rename; conditional writes serialised by an advisory file lock.
//!
//! Durability: a conditional write (the state document) is synced before
//! it is renamed into place, and first waits until every earlier write of
//! the process is synced; a plain write is synced in the background
//! ([`crate::durable`]). So whatever a committed state document records is
//! on disk before the commit.

use crate::durable::syncer;
use crate::{validate_key, Condition, Etag, Object, ObjectStore, ObjectWriter, StoreError};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Objects as files under a root directory. Etags are content hashes.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// Opens (and creates) a store rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| StoreError::io(&root.display().to_string(), e))?;
        Ok(LocalStore { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file that holds `key`.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, StoreError> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }

    /// Writes `key` through a temporary file renamed into place; synced
    /// before the rename when `now`, else queued for the background sync.
    fn write_atomic(
        &self,
        key: &str,
        reader: &mut dyn Read,
        now: bool,
    ) -> Result<Etag, StoreError> {
        let mut writer = self.object_writer(key, now, 64 * 1024)?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(|e| StoreError::io(key, e))?;
            if n == 0 {
                break;
            }
            writer
                .write_all(&buf[..n])
                .map_err(|e| StoreError::io(key, e))?;
        }
        Box::new(writer).commit()
    }

    /// A writer into a temporary file beside `key`'s, renamed into place
    /// at the commit (synced first when `now`), buffering `capacity` bytes.
    fn object_writer(&self, key: &str, now: bool, capacity: usize) -> Result<InPlace, StoreError> {
        let path = self.path_of(key)?;
        let dir = path
            .parent()
            .expect("a validated key has a parent under the root");
        fs::create_dir_all(dir).map_err(|e| StoreError::io(key, e))?;
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| StoreError::io(key, e))?;
        Ok(InPlace {
            key: key.to_string(),
            path,
            file: std::io::BufWriter::with_capacity(capacity, tmp),
            hasher: twox_hash::XxHash3_128::new(),
            now,
            writeback: crate::durable::Writeback::default(),
        })
    }

    fn lock(&self, key: &str) -> Result<File, StoreError> {
        let path = self.path_of(key)?;
        let lock_path = path.with_file_name(format!(
            ".{}.lock",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("object")
        ));
        fs::create_dir_all(lock_path.parent().expect("lock has a parent"))
            .map_err(|e| StoreError::io(key, e))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io(key, e))?;
        file.lock().map_err(|e| StoreError::io(key, e))?;
        Ok(file)
    }
}

fn etag_of(bytes: &[u8]) -> Etag {
    crate::content_etag(bytes)
}

impl ObjectStore for LocalStore {
    fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        Ok(self.get_bytes(key)?.map(|bytes| Object {
            etag: etag_of(&bytes),
            bytes,
        }))
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.path_of(key).ok().filter(|p| p.is_file())
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError> {
        self.write_atomic(key, &mut &bytes[..], false)
    }

    fn put_if(&self, key: &str, bytes: &[u8], condition: &Condition) -> Result<Etag, StoreError> {
        self.flush()?;
        let _guard = self.lock(key)?;
        let current = self.get(key)?;
        let holds = match (condition, &current) {
            (Condition::Absent, None) => true,
            (Condition::Matches(want), Some(object)) => &object.etag == want,
            _ => false,
        };
        if !holds {
            return Err(StoreError::PreconditionFailed {
                key: key.to_string(),
            });
        }
        self.write_atomic(key, &mut &bytes[..], true)
    }

    fn put_stream(&self, key: &str, reader: &mut dyn Read) -> Result<Etag, StoreError> {
        self.write_atomic(key, reader, false)
    }

    fn writer<'s>(&'s self, key: &str) -> Result<Box<dyn ObjectWriter + 's>, StoreError> {
        Ok(Box::new(self.object_writer(key, false, 1 << 20)?))
    }

    fn flush(&self) -> Result<(), StoreError> {
        syncer().flush()
    }

    fn get_stream(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>, StoreError> {
        let path = self.path_of(key)?;
        match File::open(&path) {
            Ok(file) => Ok(Some(Box::new(std::io::BufReader::new(file)))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(key, e)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        // Walk only the deepest directory the prefix names.
        let dir_part = prefix.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let start = if dir_part.is_empty() {
            self.root.clone()
        } else {
            self.path_of(dir_part)?
        };
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        || e.kind() == std::io::ErrorKind::NotADirectory =>
                {
                    continue
                }
                Err(e) => return Err(StoreError::io(prefix, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| StoreError::io(prefix, e))?;
                let path = entry.path();
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') {
                    continue; // lock files and temporaries
                }
                let file_type = entry.file_type().map_err(|e| StoreError::io(prefix, e))?;
                if file_type.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&self.root) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if key.starts_with(prefix) {
                        keys.push(key);
                    }
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        match fs::remove_file(self.path_of(key)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io(key, e)),
        }
    }

    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.path_of(key)?.is_file())
    }

    fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match fs::read(self.path_of(key)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(key, e)),
        }
    }
}

/// An object of a [`LocalStore`] being written, in a temporary file in its
/// directory; hashed as it is written (its etag), renamed into place at
/// the commit. Dropped uncommitted, the temporary file is removed.
struct InPlace {
    key: String,
    path: PathBuf,
    file: std::io::BufWriter<tempfile::NamedTempFile>,
    hasher: twox_hash::XxHash3_128,
    now: bool,
    writeback: crate::durable::Writeback,
}

impl Write for InPlace {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.write(&buf[..n]);
        let in_file = self.writeback.wrote(n) - self.file.buffer().len() as u64;
        self.writeback
            .start(&self.key, self.file.get_ref().as_file(), in_file);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl ObjectWriter for InPlace {
    fn commit(self: Box<Self>) -> Result<Etag, StoreError> {
        let InPlace {
            key,
            path,
            file,
            hasher,
            now,
            ..
        } = *self;
        let io = |e: std::io::Error| StoreError::io(&key, e);
        let tmp = file.into_inner().map_err(|e| io(e.into_error()))?;
        if now {
            tmp.as_file().sync_data().map_err(io)?;
        }
        let file = tmp.persist(&path).map_err(|e| io(e.error))?;
        if !now {
            syncer().submit(&key, file)?;
        }
        Ok(format!("{:032x}", hasher.finish_128()))
    }
}
