//! Archive sources: `.zip` (random access through the zip crate) and
//! `.tar.gz`/`.tgz` (streamed: gzip decoder into a tar reader, never buffered).
//!
//! The format is recognised by its magic bytes, falling back to the file name.
//! Entries go through [`Sink`], which enforces the safety rules and limits.
//! Symlinks, hardlinks and special files are skipped (their paths are still
//! checked, so a traversal anywhere fails the fetch). When every entry lives
//! in one top-level folder (as in GitHub archives) that folder becomes the
//! root. Tar streams are additionally capped at 8 × `max_total_bytes`
//! (at least 64 MiB) of decompressed data, which bounds the work spent on
//! skipped, oversized entries; a zip whose entries declare more than that
//! is refused before anything is read. An archive that offers files but
//! every one over `max_file_bytes` is refused too (a decompression bomb,
//! or nothing to document): each error names the limit it hit.

use crate::error::{one_line, SourceError};
use crate::parse::{archive_kind_by_name, ArchiveKind};
use crate::sink::{strip_prefix_all, Sink};
use crate::{Fetched, Plan};
use doctown_core::ResolvedSource;
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;

/// Extracts a local archive into a fresh temporary directory.
pub(crate) fn fetch_archive(path: &Path, plan: &Plan<'_>) -> Result<Fetched, SourceError> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(SourceError::NotFound(shown));
    }
    let by_name = archive_kind_by_name(path);
    let kind = sniff(path)?
        .or(by_name.as_ref().map(|(k, _)| *k))
        .ok_or_else(|| SourceError::UnsupportedFile(shown.clone()))?;
    let name = by_name
        .map(|(_, stem)| stem)
        .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "archive".to_string());
    let sha256 = hash_file(path)?;
    let temp = plan.temp_dir()?;
    let mut sink = Sink::new(temp.path().to_path_buf(), plan.limits());
    let archive_error = |e: io::Error| SourceError::Archive {
        path: shown.clone(),
        message: one_line(&e.to_string()),
    };
    match kind {
        ArchiveKind::Zip => extract_zip(path, &mut sink, &shown, plan.stream_cap())?,
        ArchiveKind::TarGz => {
            let file = File::open(path)
                .map_err(|e| SourceError::io(format!("cannot open {shown}"), &e))?;
            extract_tar(file, &mut sink, plan.stream_cap(), &archive_error)?;
        }
    }
    sink.check_not_all_oversized()?;
    let (root, oversized) = match sink.common_top() {
        Some(top) => (
            temp.path().join(&top),
            strip_prefix_all(sink.into_oversized(), &top),
        ),
        None => (temp.path().to_path_buf(), sink.into_oversized()),
    };
    // The common folder exists unless every entry under it was skipped
    // (conflicts); the repository is then empty, not missing.
    std::fs::create_dir_all(&root)
        .map_err(|e| SourceError::io(format!("cannot create {}", root.display()), &e))?;
    tracing::debug!(archive = %shown, root = %root.display(), "extracted archive");
    let resolved = ResolvedSource {
        kind: "archive".into(),
        name,
        url: None,
        git_ref: None,
        commit: None,
    };
    Ok(Fetched {
        root,
        resolved,
        oversized,
        archive_sha256: Some(sha256),
        temp: Some(temp),
    })
}

fn sniff(path: &Path) -> Result<Option<ArchiveKind>, SourceError> {
    let mut head = [0u8; 4];
    let mut file = File::open(path)
        .map_err(|e| SourceError::io(format!("cannot open {}", path.display()), &e))?;
    let n = file
        .read(&mut head)
        .map_err(|e| SourceError::io(format!("cannot read {}", path.display()), &e))?;
    Ok(match &head[..n] {
        [b'P', b'K', 3, 4] | [b'P', b'K', 5, 6] => Some(ArchiveKind::Zip),
        [0x1f, 0x8b, ..] => Some(ArchiveKind::TarGz),
        _ => None,
    })
}

fn hash_file(path: &Path) -> Result<String, SourceError> {
    let mut file = File::open(path)
        .map_err(|e| SourceError::io(format!("cannot open {}", path.display()), &e))?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)
        .map_err(|e| SourceError::io(format!("cannot read {}", path.display()), &e))?;
    Ok(hex::encode(hasher.finalize()))
}

/// The decompression limit in words, for the errors that hit it.
fn cap_words(cap: u64) -> String {
    format!("{cap} bytes (the decompression limit: 8 × --max-total-bytes, at least 64 MiB)")
}

fn extract_zip(path: &Path, sink: &mut Sink, shown: &str, cap: u64) -> Result<(), SourceError> {
    let zip_error = |e: zip::result::ZipError| SourceError::Archive {
        path: shown.to_string(),
        message: one_line(&e.to_string()),
    };
    let file = File::open(path).map_err(|e| SourceError::io(format!("cannot open {shown}"), &e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_error)?;
    // What the entries declare, before reading any (a lie is still caught
    // by the byte counts while writing).
    let mut declared = 0u64;
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(zip_error)?;
        declared = declared.saturating_add(entry.size());
        if declared > cap {
            return Err(SourceError::TooLarge(format!(
                "the archive's entries declare more than {} uncompressed",
                cap_words(cap)
            )));
        }
    }
    for index in 0..zip.len() {
        sink.count_entry()?;
        let mut entry = zip.by_index(index).map_err(zip_error)?;
        let name = entry.name().to_string();
        let mode = entry.unix_mode().unwrap_or(0);
        if entry.is_dir() {
            sink.add_dir(&name)?;
        } else if mode & S_IFMT != 0 && mode & S_IFMT != S_IFREG {
            crate::sink::safe_components(&name)?;
            tracing::debug!(entry = %name, "skipping non-regular zip entry");
        } else {
            let size = entry.size();
            sink.add_file(&name, size, &mut entry, mode & 0o111 != 0)?;
        }
    }
    Ok(())
}

/// Streams a (gzip-compressed, or already plain) tarball through `sink`.
/// `reader_error` maps errors of the underlying stream (disk or network).
pub(crate) fn extract_tar(
    reader: impl Read,
    sink: &mut Sink,
    cap: u64,
    reader_error: &dyn Fn(io::Error) -> SourceError,
) -> Result<(), SourceError> {
    let tripped = Rc::new(Cell::new(false));
    let result = extract_tar_inner(reader, sink, cap, tripped.clone(), reader_error);
    if tripped.get() {
        return Err(SourceError::TooLarge(format!(
            "the archive decompresses to more than {}",
            cap_words(cap)
        )));
    }
    result
}

fn extract_tar_inner(
    reader: impl Read,
    sink: &mut Sink,
    cap: u64,
    tripped: Rc<Cell<bool>>,
    reader_error: &dyn Fn(io::Error) -> SourceError,
) -> Result<(), SourceError> {
    let mut buffered = BufReader::with_capacity(64 * 1024, reader);
    let gzipped = buffered
        .fill_buf()
        .map_err(reader_error)?
        .starts_with(&[0x1f, 0x8b]);
    let decoded: Box<dyn Read> = if gzipped {
        Box::new(flate2::read::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let mut archive = tar::Archive::new(CappedReader {
        inner: decoded,
        left: cap,
        tripped,
    });
    for entry in archive.entries().map_err(reader_error)? {
        let mut entry = entry.map_err(reader_error)?;
        sink.count_entry()?;
        let entry_type = entry.header().entry_type();
        if entry_type.is_pax_global_extensions()
            || entry_type.is_pax_local_extensions()
            || entry_type.is_gnu_longname()
        {
            continue;
        }
        let path = entry.path().map_err(reader_error)?.into_owned();
        let Some(raw) = path.to_str().map(str::to_string) else {
            tracing::warn!(entry = %path.display(), "skipping tar entry with a non-UTF-8 name");
            continue;
        };
        if entry_type.is_file() || entry_type.is_contiguous() {
            let size = entry.size();
            let executable = entry
                .header()
                .mode()
                .map(|m| m & 0o111 != 0)
                .unwrap_or(false);
            sink.add_file(&raw, size, &mut entry, executable)?;
        } else if entry_type.is_dir() {
            sink.add_dir(&raw)?;
        } else {
            crate::sink::safe_components(&raw)?;
            tracing::debug!(entry = %raw, "skipping non-regular tar entry");
        }
    }
    Ok(())
}

/// Fails once more than `left` bytes have been read, and says so in `tripped`.
struct CappedReader<R> {
    inner: R,
    left: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            self.tripped.set(true);
            return Err(io::Error::other(
                "decompressed stream exceeds the size limit",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
