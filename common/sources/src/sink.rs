//! Writes extracted entries (from a git tree, a zip, a tarball) under one
//! destination directory, safely and within limits.
//!
//! Safety rules, the same for every source:
//! - an entry path with `..`, a leading `/`, a Windows drive or UNC prefix or a
//!   NUL byte is an error ([`SourceError::EntryEscapes`]): such an archive is
//!   hostile or broken, and stopping is safer than guessing (zip-slip);
//! - only regular files and directories are written; symlinks, hardlinks and
//!   devices are skipped by the callers and never created here;
//! - existing paths are inspected with `symlink_metadata` and a path that is
//!   not what we expect (a file where a directory should be, a symlink) is
//!   skipped, so nothing is ever followed outside the destination;
//! - bytes are counted as they are written, not as headers declare them:
//!   past `max_total_bytes` the whole fetch stops with
//!   [`SourceError::TooLarge`]; a file past `max_file_bytes` is not kept and is
//!   recorded as oversized instead;
//! - at most `max_entries` entries are looked at.

use crate::error::SourceError;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::PathBuf;

/// Size limits that apply while writing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_total_bytes: u64,
    pub max_file_bytes: u64,
    pub max_entries: u64,
}

/// Splits an entry path into safe components, or says it escapes.
/// `.` and empty components are dropped; both `/` and `\` separate.
pub(crate) fn safe_components(raw: &str) -> Result<Vec<String>, SourceError> {
    let escapes = || SourceError::EntryEscapes(raw.escape_debug().to_string());
    if raw.starts_with('/') || raw.starts_with('\\') || raw.contains('\0') {
        return Err(escapes());
    }
    let mut out = Vec::new();
    for (i, part) in raw.split(['/', '\\']).enumerate() {
        match part {
            "" | "." => continue,
            ".." => return Err(escapes()),
            _ if i == 0 && is_drive(part) => return Err(escapes()),
            _ => out.push(part.to_string()),
        }
    }
    Ok(out)
}

fn is_drive(part: &str) -> bool {
    let b = part.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Destination directory plus running totals.
pub(crate) struct Sink {
    root: PathBuf,
    limits: Limits,
    /// Drop this many leading components from every entry (1 for GitHub tarballs).
    strip: usize,
    /// Keep only entries under this prefix (after `strip`), and drop the prefix.
    keep: Vec<String>,
    total: u64,
    entries: u64,
    kept: u64,
    /// Regular files written.
    files: u64,
    oversized: Vec<(String, u64)>,
    /// The first component shared by every kept entry so far, if any.
    common_top: Option<Option<String>>,
    /// Turns an error reading an entry's bytes into a source error.
    read_error: ReadErrorFn,
}

/// Maps an error reading entry `rel` (network for GitHub, disk otherwise).
pub(crate) type ReadErrorFn = fn(&str, io::Error) -> SourceError;

fn default_read_error(rel: &str, err: io::Error) -> SourceError {
    SourceError::io(format!("cannot read {rel}"), &err)
}

impl Sink {
    pub fn new(root: PathBuf, limits: Limits) -> Self {
        Sink {
            root,
            limits,
            strip: 0,
            keep: Vec::new(),
            total: 0,
            entries: 0,
            kept: 0,
            files: 0,
            oversized: Vec::new(),
            common_top: None,
            read_error: default_read_error,
        }
    }

    /// Uses `map` for errors reading entry bytes.
    pub fn with_read_error(mut self, map: ReadErrorFn) -> Self {
        self.read_error = map;
        self
    }

    /// Drops `strip` leading components, then keeps only entries under `keep`.
    pub fn with_filter(mut self, strip: usize, keep: Vec<String>) -> Self {
        self.strip = strip;
        self.keep = keep;
        self
    }

    /// Counts one entry of any type against the entry limit.
    pub fn count_entry(&mut self) -> Result<(), SourceError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(SourceError::TooLarge(format!(
                "more than {} entries",
                self.limits.max_entries
            )));
        }
        Ok(())
    }

    /// Validates, strips and filters a raw entry path; `None` means skip it.
    fn place(&mut self, raw: &str) -> Result<Option<Vec<String>>, SourceError> {
        let comps = safe_components(raw)?;
        if comps.len() < self.strip {
            return Ok(None);
        }
        let comps = &comps[self.strip..];
        if comps.len() < self.keep.len() || comps[..self.keep.len()] != self.keep[..] {
            return Ok(None);
        }
        let comps = comps[self.keep.len()..].to_vec();
        if comps.is_empty() {
            return Ok(None);
        }
        self.kept += 1;
        let first = Some(comps[0].clone());
        match &self.common_top {
            None => self.common_top = Some(first),
            Some(top) if *top != first => self.common_top = Some(None),
            Some(_) => {}
        }
        Ok(Some(comps))
    }

    /// Creates a directory entry.
    pub fn add_dir(&mut self, raw: &str) -> Result<(), SourceError> {
        if let Some(comps) = self.place(raw)? {
            self.ensure_dir(&comps)?;
        }
        Ok(())
    }

    /// Writes a regular file, reading at most `max_file_bytes + 1` bytes of it.
    /// `declared` is the size the archive claims (trusted only to skip early).
    pub fn add_file(
        &mut self,
        raw: &str,
        declared: u64,
        reader: &mut dyn Read,
        executable: bool,
    ) -> Result<(), SourceError> {
        let Some(comps) = self.place(raw)? else {
            return Ok(());
        };
        let rel = comps.join("/");
        if comps.len() == 1 {
            // A file at the top: never strip a common folder.
            self.common_top = Some(None);
        }
        if declared > self.limits.max_file_bytes {
            self.oversized.push((rel, declared));
            return Ok(());
        }
        if !self.ensure_dir(&comps[..comps.len() - 1])? {
            return Ok(());
        }
        let path = self.path_of(&comps);
        match fs::symlink_metadata(&path) {
            Ok(meta) if !meta.is_file() => {
                tracing::warn!(path = %rel, "skipping entry: a non-file already exists at its path");
                return Ok(());
            }
            _ => {}
        }
        let mut file =
            File::create(&path).map_err(|e| SourceError::io(format!("cannot create {rel}"), &e))?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut written = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err((self.read_error)(&rel, e)),
            };
            written += n as u64;
            self.total += n as u64;
            if self.total > self.limits.max_total_bytes {
                return Err(SourceError::TooLarge(format!(
                    "more than {} bytes when extracted (raise --max-total-bytes)",
                    self.limits.max_total_bytes
                )));
            }
            if written > self.limits.max_file_bytes {
                drop(file);
                fs::remove_file(&path)
                    .map_err(|e| SourceError::io(format!("cannot remove {rel}"), &e))?;
                self.oversized.push((rel, declared.max(written)));
                return Ok(());
            }
            file.write_all(&buf[..n])
                .map_err(|e| SourceError::io(format!("cannot write {rel}"), &e))?;
        }
        #[cfg(unix)]
        if executable {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&path, fs::Permissions::from_mode(0o755));
        }
        #[cfg(not(unix))]
        let _ = executable;
        self.files += 1;
        Ok(())
    }

    fn path_of(&self, comps: &[String]) -> PathBuf {
        comps.iter().fold(self.root.clone(), |p, c| p.join(c))
    }

    /// Creates the directories of `comps` one by one, never through a symlink.
    /// Returns false (and logs) when something that is not a directory is in the way.
    fn ensure_dir(&self, comps: &[String]) -> Result<bool, SourceError> {
        let mut path = self.root.clone();
        for comp in comps {
            path.push(comp);
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    tracing::warn!(path = %path.display(), "skipping entry: a non-directory is in the way");
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir(&path).map_err(|e| {
                        SourceError::io(format!("cannot create {}", path.display()), &e)
                    })?
                }
                Err(e) => {
                    return Err(SourceError::io(
                        format!("cannot inspect {}", path.display()),
                        &e,
                    ))
                }
            }
        }
        Ok(true)
    }

    /// The per-file limit.
    pub fn max_file_bytes(&self) -> u64 {
        self.limits.max_file_bytes
    }

    /// Number of entries that passed the filter (files and directories).
    pub fn kept(&self) -> u64 {
        self.kept
    }

    /// Fails when files were offered but every one was over the per-file
    /// limit, naming the limit and the largest file: nothing would be left
    /// to document, and an archive like that is most likely a
    /// decompression bomb. (An archive with no files at all is fine: it
    /// gives an empty docpack.)
    pub fn check_not_all_oversized(&self) -> Result<(), SourceError> {
        if self.files > 0 {
            return Ok(());
        }
        let Some((path, size)) = self.oversized.iter().max_by_key(|(p, s)| (*s, p.clone())) else {
            return Ok(());
        };
        Err(SourceError::TooLarge(format!(
            "every file is over the per-file limit of {} bytes (raise --max-file-bytes); \
             the largest, {path}, has {size} bytes",
            self.limits.max_file_bytes
        )))
    }

    /// The folder every kept entry lives in, when there is exactly one and
    /// no file sits at the top.
    pub fn common_top(&self) -> Option<String> {
        self.common_top.clone().flatten()
    }

    /// The oversized files, relative to the destination root.
    pub fn into_oversized(self) -> Vec<(String, u64)> {
        self.oversized
    }
}

/// Removes a stripped top folder from recorded paths.
pub(crate) fn strip_prefix_all(oversized: Vec<(String, u64)>, top: &str) -> Vec<(String, u64)> {
    let prefix = format!("{top}/");
    oversized
        .into_iter()
        .map(|(p, s)| (p.strip_prefix(&prefix).map(str::to_string).unwrap_or(p), s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        assert_eq!(safe_components("a/./b//c").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(safe_components("./x").unwrap(), vec!["x"]);
        for bad in [
            "../evil",
            "a/../../b",
            "/abs",
            "\\\\server\\share",
            "C:\\x",
            "c:/x",
            "a\\..\\b",
            "a\0b",
        ] {
            assert!(
                matches!(safe_components(bad), Err(SourceError::EntryEscapes(_))),
                "{bad}"
            );
        }
        assert_eq!(safe_components("ab:c/d").unwrap(), vec!["ab:c", "d"]);
    }

    fn limits(total: u64, file: u64) -> Limits {
        Limits {
            max_total_bytes: total,
            max_file_bytes: file,
            max_entries: 10,
        }
    }

    #[test]
    fn limits_and_oversized() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Sink::new(dir.path().to_path_buf(), limits(100, 10));
        sink.add_file("top/a.txt", 3, &mut &b"abc"[..], false)
            .unwrap();
        // Declared small, actually large: counted by bytes read.
        sink.add_file("top/big.txt", 1, &mut &[7u8; 50][..], false)
            .unwrap();
        assert_eq!(sink.common_top().as_deref(), Some("top"));
        assert!(!dir.path().join("top/big.txt").exists());
        assert_eq!(sink.into_oversized(), vec![("top/big.txt".to_string(), 50)]);
        let mut sink = Sink::new(dir.path().to_path_buf(), limits(20, 10));
        sink.add_file("x", 8, &mut &[1u8; 8][..], false).unwrap();
        sink.add_file("y", 8, &mut &[1u8; 8][..], false).unwrap();
        let err = sink
            .add_file("z", 8, &mut &[1u8; 8][..], false)
            .unwrap_err();
        assert!(matches!(err, SourceError::TooLarge(_)), "{err}");
    }

    #[test]
    fn conflicts_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Sink::new(dir.path().to_path_buf(), limits(100, 10));
        sink.add_file("a", 1, &mut &b"1"[..], false).unwrap();
        sink.add_file("a/b", 1, &mut &b"2"[..], false).unwrap();
        sink.add_dir("d").unwrap();
        sink.add_file("d", 1, &mut &b"3"[..], false).unwrap();
        assert_eq!(fs::read(dir.path().join("a")).unwrap(), b"1");
        assert!(dir.path().join("d").is_dir());
        assert_eq!(sink.common_top(), None);
    }

    #[test]
    fn filter_strips_and_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink =
            Sink::new(dir.path().to_path_buf(), limits(100, 10)).with_filter(1, vec!["src".into()]);
        sink.add_file("o-r-sha/src/lib.rs", 2, &mut &b"ok"[..], false)
            .unwrap();
        sink.add_file("o-r-sha/README", 2, &mut &b"no"[..], false)
            .unwrap();
        assert_eq!(fs::read(dir.path().join("lib.rs")).unwrap(), b"ok");
        assert!(!dir.path().join("README").exists());
        assert_eq!(sink.kept(), 1);
    }
}
