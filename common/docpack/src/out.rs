//! Where serialised bytes go: [`Out`], a buffer that moves to an
//! anonymous temporary file in the [`Spool`]'s directory once it holds
//! the spool's threshold, so a large part is never whole in memory.

use crate::error::DocpackError;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

/// Where parts go: in memory (`dir: None`), or into temporary files in
/// `dir` once a member holds `threshold` bytes.
#[derive(Debug, Clone)]
pub struct Spool {
    pub dir: Option<PathBuf>,
    pub threshold: usize,
}

impl Spool {
    /// Everything in memory (the tests' spool).
    #[cfg(test)]
    pub fn memory() -> Spool {
        Spool {
            dir: None,
            threshold: usize::MAX,
        }
    }

    /// Members past 4 MiB go to temporary files in `dir`.
    pub fn in_dir(dir: &Path) -> Spool {
        Spool {
            dir: Some(dir.to_path_buf()),
            threshold: 4 << 20,
        }
    }
}

/// Bytes being written: a buffer that, given a spool directory, moves to a
/// temporary file whenever [`Out::spill_if_full`] finds it over the
/// threshold.
pub struct Out {
    buf: Vec<u8>,
    dir: Option<PathBuf>,
    threshold: usize,
    file: Option<BufWriter<File>>,
    spilled: u64,
}

impl Out {
    /// A buffer that never spills.
    pub fn memory(buf: Vec<u8>) -> Out {
        Out {
            buf,
            dir: None,
            threshold: usize::MAX,
            file: None,
            spilled: 0,
        }
    }

    pub(crate) fn spooled(spool: &Spool) -> Out {
        Out {
            buf: Vec::new(),
            dir: spool.dir.clone(),
            threshold: spool.threshold,
            file: None,
            spilled: 0,
        }
    }

    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// Moves the buffer to the temporary file when it is over the
    /// threshold and there is a spool directory.
    pub fn spill_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() < self.threshold {
            return Ok(());
        }
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        if self.file.is_none() {
            self.file = Some(BufWriter::with_capacity(
                1 << 20,
                tempfile::tempfile_in(dir)?,
            ));
        }
        if let Some(file) = &mut self.file {
            file.write_all(&self.buf)?;
        }
        self.spilled += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// The bytes written: in memory, or a temporary file's first `len`
    /// bytes.
    pub(crate) fn finish(mut self) -> io::Result<Written> {
        let Some(file) = self.file.take() else {
            return Ok(Written::Bytes(self.buf));
        };
        let mut file = file.into_inner().map_err(|e| e.into_error())?;
        file.write_all(&self.buf)?;
        Ok(Written::File(file, self.spilled + self.buf.len() as u64))
    }
}

impl Deref for Out {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.buf
    }
}

impl DerefMut for Out {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }
}

impl Write for Out {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What an [`Out`] wrote.
pub(crate) enum Written {
    Bytes(Vec<u8>),
    File(File, u64),
}

pub(crate) fn spool_error(e: io::Error) -> DocpackError {
    DocpackError::Write(format!("a temporary file for a part: {e}"))
}
