//! Helpers shared by the fuzz targets in `fuzz_targets/`: scratch
//! directories, checks that nothing was written where it should not be,
//! and the record format of the `docpack_parts` target.

use std::path::{Path, PathBuf};

/// A scratch directory for one fuzzing process: under
/// `$DOCTOWN_FUZZ_SCRATCH` (which `scripts/fuzz.sh` makes on tmpfs and
/// removes afterwards), else under `/dev/shm` or the temp dir. libFuzzer
/// ends the process through `exit`, so the directory outlives it: the
/// script's directory is what cleans up.
pub fn scratch_dir(prefix: &str) -> tempfile::TempDir {
    let base = std::env::var_os("DOCTOWN_FUZZ_SCRATCH")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|p| p.is_dir()));
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    let made = match base {
        Some(dir) => builder.tempdir_in(dir),
        None => builder.tempdir(),
    };
    made.expect("cannot create a scratch directory")
}

/// Every path under `dir` (files, directories, links), relative to it,
/// sorted. Links are listed, never followed.
pub fn list_tree(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in read.flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Asserts that `dir` holds no symbolic links (extraction never creates one).
pub fn assert_no_links(dir: &Path) {
    for rel in list_tree(dir) {
        let meta = std::fs::symlink_metadata(dir.join(&rel)).expect("listed path vanished");
        assert!(
            !meta.file_type().is_symlink(),
            "a symbolic link was created: {}",
            rel.display()
        );
    }
}

/// The entry names a `docpack_parts` record can address, by tag (`tag % 9`):
/// the eight names of the format, then one name the format does not know.
pub const PART_NAMES: [&str; 9] = [
    "manifest.json",
    "nodes.json",
    "graph.json",
    "clusters.json",
    "source_map.json",
    "docs.json",
    "embeddings.bin",
    "symbol_contexts.json",
    "notes.json",
];

/// Splits `docpack_parts` input into records: a tag byte, a little-endian
/// `u32` length (clamped to what is left), then that many bytes. A record
/// with no bytes removes its entry.
pub fn parse_records(mut data: &[u8]) -> Vec<(&'static str, &[u8])> {
    let mut out = Vec::new();
    while data.len() >= 5 {
        let name = PART_NAMES[usize::from(data[0]) % PART_NAMES.len()];
        let len = u32::from_le_bytes([data[1], data[2], data[3], data[4]]) as usize;
        data = &data[5..];
        let len = len.min(data.len());
        out.push((name, &data[..len]));
        data = &data[len..];
    }
    out
}

/// Writes records in the [`parse_records`] format (used to make seeds).
pub fn encode_records(records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, bytes) in records {
        let tag = PART_NAMES
            .iter()
            .position(|n| n == name)
            .expect("unknown part name");
        out.push(tag as u8);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// Everything the `doctown docpack …` commands do with a docpack that read
/// cleanly: inspect, search (by text, by vector), diff against itself,
/// export to Markdown under `scratch` (which must be empty, and must hold
/// only what the export wrote under `scratch/export` afterwards).
pub fn exercise_docpack(d: &doctown_docpack::Docpack, scratch: &Path) {
    use doctown_docpack::{diff, export_markdown, inspect, search, search_checked};
    let report = inspect(d).render();
    assert!(!report.is_empty());
    let _ = search(d, None, "get", 5);
    let _ = search(d, None, "", 0);
    if let Some(e) = &d.embeddings {
        let query = vec![0.5f32; e.dims()];
        let hits = search_checked(d, Some(&query), "store", 10).expect("matching dims refused");
        assert!(hits.len() <= 10);
        if let Some((_, row)) = e.iter().next() {
            let _ = search(d, Some(row), "", 3);
        }
    }
    let same = diff(d, d);
    assert!(
        same.added.is_empty() && same.removed.is_empty() && same.moved.is_empty(),
        "a docpack differs from itself"
    );
    let out = scratch.join("export");
    if let Err(e) = export_markdown(d, &out) {
        assert!(!e.to_string().trim().is_empty(), "empty error message");
    }
    for rel in list_tree(scratch) {
        assert!(
            rel.starts_with("export"),
            "export wrote outside its directory: {}",
            rel.display()
        );
    }
    assert_no_links(scratch);
    std::fs::remove_dir_all(&out).ok();
}

/// Read limits small enough that a bomb costs milliseconds, large enough
/// for every seed.
pub fn fuzz_read_limits() -> doctown_docpack::ReadLimits {
    doctown_docpack::ReadLimits {
        max_entries: 64,
        max_entry_bytes: 4 << 20,
        max_total_bytes: 16 << 20,
        max_compressed_bytes: 1 << 20,
    }
}
