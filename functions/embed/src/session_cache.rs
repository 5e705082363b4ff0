//! ONNX Runtime's optimised form of the model, kept between processes.
//!
//! Creating a session optimises the model's graph (constant folding,
//! fusions, the CPU's kernel layouts) every time: about 70 ms of a 210 ms
//! load on two cores, which a one-shot `doctown search` or a rebuild with
//! one new text waits for. ONNX Runtime can write the optimised graph out, and a
//! session made from that file with optimisation off skips the work. The
//! file is specific to the runtime and the CPU that wrote it, so an entry
//! is kept under a key of the model's bytes, the runtime, the CPU's model
//! name and flags and the thread count; where the CPU cannot be named
//! nothing is cached.
//!
//! An entry is one file, `<model id>-<key>-<digest>.onnx`: the optimised
//! ONNX model, named by its BLAKE3 digest. The runtime makes the session
//! from the file while another thread checks the digest, so a damaged
//! entry is never used: it is removed and the model optimised again. (A
//! session made from the bytes in memory instead costs more than the
//! optimisation it saves.) The runtime writes an entry into a temporary
//! file that is renamed once whole, and a writer removes the key's older
//! entries, so two processes writing one key leave valid entries only.

use crate::config::EmbedConfig;
use std::path::{Path, PathBuf};

/// Bump when the entry's layout or what the key covers changes.
const FORMAT: &str = "doctown session cache v2";

/// Where one configuration's optimised model is (or would be) kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedModel {
    dir: PathBuf,
    /// `<model id>-<key>`: the start of each entry's name.
    stem: String,
}

/// What the key is made of, gathered from the machine: kept apart so that
/// the key's rule is tested without a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParts<'a> {
    /// The model file's SHA-256 when it was checked, else its metadata
    /// (size, modification and change times, device, inode).
    pub model: String,
    /// The runtime's build information and the loaded library's metadata.
    pub runtime: String,
    /// The CPU's vendor, model name and flags.
    pub cpu: String,
    pub threads: usize,
    pub model_id: &'a str,
}

/// A kept entry: its file and the digest its name states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    digest: [u8; 32],
}

impl Entry {
    /// Whether the file's bytes are those its name's digest states.
    pub fn is_whole(&self) -> bool {
        digest_of(&self.path).is_some_and(|(digest, len)| len > 0 && digest == self.digest)
    }

    /// Marks the entry as just used, so that pruning (by modification
    /// time) removes the entries no load asked for first.
    pub fn mark_used(&self) {
        let touched = std::fs::File::options()
            .write(true)
            .open(&self.path)
            .and_then(|f| f.set_modified(std::time::SystemTime::now()));
        if let Err(e) = touched {
            tracing::debug!(path = %self.path.display(), "cannot mark the optimised model used: {e}");
        }
    }

    /// Removes a damaged or unusable entry (only work is lost).
    pub fn remove(&self) {
        remove_quietly(&self.path);
    }
}

impl CachedModel {
    /// The entry for `config`'s model on this machine, or none: no cache
    /// directory configured, a GPU session (its graph is partitioned for
    /// the device), or a CPU or file that cannot be named.
    pub fn for_config(config: &EmbedConfig, model_path: &Path) -> Option<CachedModel> {
        let dir = config.session_cache.as_ref()?;
        if config.use_gpu {
            return None;
        }
        let model = match &config.model_sha256 {
            Some(sha) => sha.to_ascii_lowercase(),
            None => file_fingerprint(model_path)?,
        };
        // The library this process loaded (an earlier load's, when it
        // differs from the one configured).
        let library = crate::runtime::loaded_path().unwrap_or_else(|| config.runtime_lib.clone());
        let runtime = format!("{} {}", ort::info(), file_fingerprint(&library)?);
        let parts = KeyParts {
            model,
            runtime,
            cpu: cpu_identity()?,
            threads: config.threads(),
            model_id: &config.model_id,
        };
        Some(CachedModel::at(dir, &parts))
    }

    /// The entries for `parts` in `dir`.
    pub fn at(dir: &Path, parts: &KeyParts<'_>) -> CachedModel {
        let mut hasher = blake3::Hasher::new();
        for field in [
            FORMAT,
            parts.model.as_str(),
            parts.runtime.as_str(),
            parts.cpu.as_str(),
            &parts.threads.to_string(),
            parts.model_id,
        ] {
            hasher.update(&(field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        let key = hex::encode(&hasher.finalize().as_bytes()[..16]);
        CachedModel {
            dir: dir.to_path_buf(),
            stem: format!("{}-{key}", parts.model_id),
        }
    }

    /// The start of this key's entries' paths.
    pub fn stem(&self) -> PathBuf {
        self.dir.join(&self.stem)
    }

    /// The marker left when the runtime refused a whole entry of this key:
    /// it cannot read its own optimised form of this model, so every load
    /// optimises and nothing is kept.
    fn refusal(&self) -> PathBuf {
        self.dir.join(format!("{}.refused", self.stem))
    }

    /// Whether the runtime refused this key's entry before.
    pub fn is_refused(&self) -> bool {
        self.refusal().exists()
    }

    /// Records that the runtime refused a whole entry of this key.
    pub fn refuse(&self) {
        if let Err(e) = std::fs::write(self.refusal(), b"") {
            tracing::warn!(path = %self.refusal().display(), "cannot record the refused optimised model: {e}");
        }
    }

    /// This key's entries, by name.
    fn entries(&self) -> Vec<Entry> {
        let Ok(listing) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut entries: Vec<Entry> = listing
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                let digest = name
                    .strip_prefix(&self.stem)?
                    .strip_prefix('-')?
                    .strip_suffix(".onnx")?;
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(digest, &mut bytes).ok()?;
                Some(Entry {
                    path: self.dir.join(&name),
                    digest: bytes,
                })
            })
            .collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        entries
    }

    /// The kept entry, if there is one (check it with [`Entry::is_whole`]).
    pub fn find(&self) -> Option<Entry> {
        self.entries().into_iter().next()
    }

    /// A temporary file beside the entries for the runtime to write the
    /// optimised model into; [`CachedModel::store`] makes it the entry.
    pub fn staging(&self) -> std::io::Result<tempfile::TempPath> {
        std::fs::create_dir_all(&self.dir)?;
        Ok(tempfile::Builder::new()
            .prefix(".staged-")
            .suffix(".onnx")
            .tempfile_in(&self.dir)?
            .into_temp_path())
    }

    /// Makes the optimised model the runtime wrote at `staged` the entry:
    /// synced, named by its digest, and the key's other entries removed.
    pub fn store(&self, staged: tempfile::TempPath) -> std::io::Result<Entry> {
        let (digest, len) =
            digest_of(&staged).ok_or_else(|| std::io::Error::other("cannot read it back"))?;
        if len == 0 {
            return Err(std::io::Error::other(
                "the runtime wrote no optimised model",
            ));
        }
        let file = std::fs::File::open(&staged)?;
        // Readable by others, like the model it comes from (a staged file
        // is made for its owner only).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        file.sync_all()?;
        let path = self
            .dir
            .join(format!("{}-{}.onnx", self.stem, hex::encode(digest)));
        staged.persist(&path).map_err(|e| e.error)?;
        for older in self.entries().into_iter().filter(|e| e.path != path) {
            older.remove();
        }
        prune(&self.dir, &path, KEPT, STAGED_FOR);
        Ok(Entry { path, digest })
    }
}

/// Entries of other keys (another thread count, runtime or model) stay
/// beside this one, but no more than this many in all (87 MiB each for
/// the default model).
const KEPT: usize = 4;
/// A staged file this old was left by a load that did not finish.
const STAGED_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes from `dir` all but the `kept` most recently written or used
/// entries (never `current`), and staged files older than `staged_for`.
/// Other files are left alone.
fn prune(dir: &Path, current: &Path, kept: usize, staged_for: std::time::Duration) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut entries = Vec::new();
    for e in listing.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let written = e.metadata().and_then(|m| m.modified()).unwrap_or(now);
        if name.starts_with(".staged-") && name.ends_with(".onnx") {
            if now.duration_since(written).unwrap_or_default() > staged_for {
                remove_quietly(&e.path());
            }
        } else if is_entry_name(&name) && e.path() != current {
            entries.push((written, e.path()));
        }
    }
    entries.sort_by(|a, b| b.cmp(a));
    for (_, path) in entries.into_iter().skip(kept.saturating_sub(1)) {
        remove_quietly(&path);
    }
}

/// Whether a file name is an entry's: `<model id>-<32 hex>-<64 hex>.onnx`.
fn is_entry_name(name: &str) -> bool {
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(stem) = name.strip_suffix(".onnx") else {
        return false;
    };
    let mut parts = stem.rsplitn(3, '-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(digest), Some(key), Some(id)) if hex(digest, 64) && hex(key, 32) && !id.is_empty()
    )
}

/// A file's BLAKE3 digest and length, read a megabyte at a time.
fn digest_of(path: &Path) -> Option<([u8; 32], u64)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            return Some((*hasher.finalize().as_bytes(), len));
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
}

fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), "cannot remove an optimised model: {e}");
        }
    }
}

/// A file as its metadata names it: size, modification and change
/// times, device and inode (a copy that kept the size and modification
/// time, `cp -p` or `rsync -a`, is still another file); none where
/// there is no change time to read.
fn file_fingerprint(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(format!(
            "{} {}.{} {}.{} {} {}",
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
            meta.dev(),
            meta.ino()
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// The CPU as the runtime's kernels see it: vendor, model name and flags
/// of the first processor in `/proc/cpuinfo`; none elsewhere, or when the
/// file names no flags.
fn cpu_identity() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpu_identity_from(&cpuinfo)
}

/// [`cpu_identity`] of a `/proc/cpuinfo` text.
pub fn cpu_identity_from(cpuinfo: &str) -> Option<String> {
    let first = cpuinfo.split("\n\n").next()?;
    let field = |name: &str| {
        first.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim().to_string())
        })
    };
    // x86 names its features `flags`, ARM `Features`.
    let flags = field("flags").or_else(|| field("Features"))?;
    let vendor = field("vendor_id").or_else(|| field("CPU implementer"));
    let model = field("model name").or_else(|| field("CPU part"));
    Some(format!(
        "{} | {} | {flags}",
        vendor.unwrap_or_default(),
        model.unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> KeyParts<'static> {
        KeyParts {
            model: "8199be6f".into(),
            runtime: "ORT 1.31.1 | 4000 17".into(),
            cpu: "AuthenticAMD | EPYC | fpu sse2 avx2 avx512f".into(),
            threads: 2,
            model_id: "all-minilm-l6-v2-int8",
        }
    }

    #[test]
    fn every_part_of_the_key_names_another_entry() {
        let dir = Path::new("/cache/sessions");
        let base = CachedModel::at(dir, &parts());
        assert_eq!(base, CachedModel::at(dir, &parts()));
        assert!(base
            .stem()
            .to_str()
            .unwrap()
            .starts_with("/cache/sessions/all-minilm-l6-v2-int8-"));
        let changed = [
            KeyParts {
                model: "8199be6e".into(),
                ..parts()
            },
            KeyParts {
                runtime: "ORT 1.31.2 | 4000 17".into(),
                ..parts()
            },
            KeyParts {
                cpu: "AuthenticAMD | EPYC | fpu sse2 avx2".into(),
                ..parts()
            },
            KeyParts {
                threads: 1,
                ..parts()
            },
            KeyParts {
                model_id: "other",
                ..parts()
            },
        ];
        for other in changed {
            assert_ne!(
                CachedModel::at(dir, &other).stem(),
                base.stem(),
                "{other:?}"
            );
        }
        // Fields are framed: moving a character from one to the next is
        // another key.
        let shifted = KeyParts {
            model: "8199be6".into(),
            runtime: "fORT 1.31.1 | 4000 17".into(),
            ..parts()
        };
        assert_ne!(CachedModel::at(dir, &shifted).stem(), base.stem());
    }

    #[test]
    fn the_cpu_is_named_by_its_first_processor() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nflags\t\t: fpu avx2 avx512_vnni\n\nprocessor\t: 1\nflags\t\t: fpu\n";
        assert_eq!(
            cpu_identity_from(x86).as_deref(),
            Some("GenuineIntel | Xeon | fpu avx2 avx512_vnni")
        );
        let arm = "processor\t: 0\nFeatures\t: fp asimd sve\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n";
        assert_eq!(
            cpu_identity_from(arm).as_deref(),
            Some("0x41 | 0xd0c | fp asimd sve")
        );
        assert_eq!(cpu_identity_from("processor\t: 0\nvendor_id\t: X\n"), None);
        assert_eq!(cpu_identity_from(""), None);
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn stage(cached: &CachedModel, bytes: &[u8]) -> tempfile::TempPath {
        let staged = cached.staging().unwrap();
        std::fs::write(&staged, bytes).unwrap();
        staged
    }

    #[test]
    fn an_entry_is_used_only_whole() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = dir.path().join("sessions");
        let cached = CachedModel::at(&sessions, &parts());
        assert!(cached.find().is_none());
        let stored = cached
            .store(stage(&cached, b"optimised model bytes"))
            .unwrap();
        assert_eq!(cached.find().as_ref(), Some(&stored));
        assert!(stored.is_whole());
        assert_eq!(
            std::fs::read(&stored.path).unwrap(),
            b"optimised model bytes"
        );
        assert_eq!(names(&sessions).len(), 1, "nothing staged is left");

        // One byte changed anywhere, cut short, emptied or gone: not whole.
        let bytes = std::fs::read(&stored.path).unwrap();
        for at in [0, bytes.len() / 2, bytes.len() - 1] {
            let mut changed = bytes.clone();
            changed[at] ^= 1;
            std::fs::write(&stored.path, &changed).unwrap();
            assert!(!stored.is_whole(), "byte {at}");
        }
        std::fs::write(&stored.path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(!stored.is_whole());
        std::fs::write(&stored.path, b"").unwrap();
        assert!(!stored.is_whole());
        stored.remove();
        assert!(!stored.is_whole());
        assert!(cached.find().is_none());
        stored.remove();
    }

    #[test]
    fn a_new_entry_replaces_the_keys_older_ones_only() {
        let dir = tempfile::tempdir().unwrap();
        let cached = CachedModel::at(dir.path(), &parts());
        let other = CachedModel::at(
            dir.path(),
            &KeyParts {
                threads: 1,
                ..parts()
            },
        );
        let kept_other = other.store(stage(&other, b"one thread")).unwrap();
        let first = cached.store(stage(&cached, b"first")).unwrap();
        let second = cached.store(stage(&cached, b"second")).unwrap();
        assert_ne!(first.path, second.path);
        assert!(!first.path.exists());
        assert_eq!(cached.find(), Some(second));
        assert_eq!(other.find(), Some(kept_other));
        assert_eq!(names(dir.path()).len(), 2);
        // Names that only look like entries are not taken for one.
        std::fs::write(cached.stem().with_extension("x.onnx"), b"").unwrap();
        std::fs::write(format!("{}-zz.onnx", cached.stem().display()), b"").unwrap();
        assert_eq!(cached.entries().len(), 1);
    }

    #[test]
    fn entry_names_are_told_from_other_files() {
        let key = "0123456789abcdef0123456789abcdef";
        let digest = "ab".repeat(32);
        assert!(is_entry_name(&format!(
            "all-minilm-l6-v2-int8-{key}-{digest}.onnx"
        )));
        for other in [
            "model.onnx".to_string(),
            format!("{key}-{digest}.onnx"),
            format!("-{key}-{digest}.onnx"),
            format!("m-{key}-{digest}.onnx.bak"),
            format!("m-{key}-{}.onnx", "ab".repeat(31)),
            format!("m-{}-{digest}.onnx", &key[1..]),
            format!("m-{key}-{}.onnx", "zz".repeat(32)),
        ] {
            assert!(!is_entry_name(&other), "{other}");
        }
    }

    #[test]
    fn pruning_leaves_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        // A directory of the user's own models named as the cache.
        for name in ["model.onnx", "other.onnx", ".tmp-notes", "README"] {
            std::fs::write(dir.path().join(name), b"mine").unwrap();
        }
        for threads in 1..=KEPT + 1 {
            let cached = CachedModel::at(dir.path(), &KeyParts { threads, ..parts() });
            cached.store(stage(&cached, b"model")).unwrap();
        }
        let names = names(dir.path());
        for name in ["model.onnx", "other.onnx", ".tmp-notes", "README"] {
            assert!(
                names.contains(&name.to_string()),
                "{name} was removed: {names:?}"
            );
        }
        assert_eq!(names.len(), 4 + KEPT);
    }

    #[test]
    fn a_refused_key_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let cached = CachedModel::at(dir.path(), &parts());
        assert!(!cached.is_refused());
        cached.refuse();
        assert!(cached.is_refused());
        let other = CachedModel::at(
            dir.path(),
            &KeyParts {
                threads: 1,
                ..parts()
            },
        );
        assert!(!other.is_refused());
    }

    #[test]
    fn the_least_recently_written_entries_of_other_keys_go() {
        let dir = tempfile::tempdir().unwrap();
        let keyed = |threads| CachedModel::at(dir.path(), &KeyParts { threads, ..parts() });
        let mut stored = Vec::new();
        for threads in 1..=KEPT + 2 {
            let cached = keyed(threads);
            let entry = cached.store(stage(&cached, b"model")).unwrap();
            // Written in turn: each a second after the last.
            let at = std::time::SystemTime::UNIX_EPOCH
                + std::time::Duration::from_secs(1_000_000 + threads as u64);
            std::fs::File::options()
                .write(true)
                .open(&entry.path)
                .unwrap()
                .set_modified(at)
                .unwrap();
            stored.push(entry);
        }
        // A staged file left an hour ago, and one being written now.
        let old = dir.path().join(".staged-old.onnx");
        let fresh = dir.path().join(".staged-fresh.onnx");
        for path in [&old, &fresh] {
            std::fs::write(path, b"").unwrap();
        }
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - STAGED_FOR * 2)
            .unwrap();
        // The first key written again: it is kept with the three most
        // recently written others.
        let first = keyed(1);
        let again = first.store(stage(&first, b"model again")).unwrap();
        let mut expected: Vec<String> = stored[stored.len() - (KEPT - 1)..]
            .iter()
            .chain([&again])
            .map(|e| e.path.file_name().unwrap().to_string_lossy().into_owned())
            .chain([".staged-fresh.onnx".to_string()])
            .collect();
        expected.sort();
        assert_eq!(names(dir.path()), expected);
    }

    #[test]
    fn an_empty_model_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let cached = CachedModel::at(dir.path(), &parts());
        assert!(cached.store(cached.staging().unwrap()).is_err());
        assert!(cached.find().is_none());
        assert!(names(dir.path()).is_empty());
    }
}
