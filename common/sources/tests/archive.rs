//! Archive sources: zip and tar.gz made here, including hostile ones.

mod common;

use common::{is_empty_dir, list_files, tar_gz, zip, TarEntry, ZipEntry};
use doctown_sources::{
    fetch_with, parse_source, ExtractSettings, FetchOptions, Fetched, SourceError,
};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

struct Work {
    dir: tempfile::TempDir,
    scratch: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        Work {
            dir: tempfile::tempdir().unwrap(),
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    fn options(&self) -> FetchOptions {
        FetchOptions::default()
    }

    fn settings(&self) -> ExtractSettings {
        ExtractSettings {
            work_dir: Some(self.scratch.path().to_path_buf()),
            ..Default::default()
        }
    }

    fn fetch(&self, path: &Path, options: &FetchOptions) -> Result<Fetched, SourceError> {
        fetch_with(
            &parse_source(path.to_str().unwrap(), None)?,
            options,
            &self.settings(),
        )
    }

    /// Nothing left behind in the scratch area, and nothing written beside the archives.
    fn assert_clean(&self) {
        assert!(is_empty_dir(self.scratch.path()), "temp files left behind");
        assert!(!self.dir.path().join("evil").exists());
        assert!(!self.dir.path().parent().unwrap().join("evil").exists());
    }
}

#[test]
fn zip_with_top_folder_is_stripped() {
    let work = Work::new();
    let bytes = zip(&[
        ZipEntry::Dir("proj-main/"),
        ZipEntry::File("proj-main/README.md", b"hello"),
        ZipEntry::File("proj-main/src/lib.rs", b"pub fn f() {}"),
    ]);
    let path = work.write("proj-main.zip", &bytes);
    let fetched = work.fetch(&path, &work.options()).unwrap();
    assert_eq!(list_files(&fetched.root), vec!["README.md", "src/lib.rs"]);
    assert_eq!(
        fs::read_to_string(fetched.root.join("README.md")).unwrap(),
        "hello"
    );
    assert_eq!(fetched.resolved.kind, "archive");
    assert_eq!(fetched.resolved.name, "proj-main");
    assert_eq!(
        fetched.archive_sha256,
        Some(hex::encode(Sha256::digest(&bytes)))
    );
    drop(fetched);
    work.assert_clean();
}

#[test]
fn zip_without_common_folder_is_kept_as_is() {
    let work = Work::new();
    let path = work.write(
        "flat.zip",
        &zip(&[
            ZipEntry::File("README.md", b"r"),
            ZipEntry::File("src/lib.rs", b"l"),
        ]),
    );
    let fetched = work.fetch(&path, &work.options()).unwrap();
    assert_eq!(list_files(&fetched.root), vec!["README.md", "src/lib.rs"]);
    // A single top-level file is not a folder to strip.
    let path = work.write("one.zip", &zip(&[ZipEntry::File("only.txt", b"x")]));
    assert_eq!(
        list_files(&work.fetch(&path, &work.options()).unwrap().root),
        vec!["only.txt"]
    );
}

#[test]
fn tar_gz_with_top_folder_modes_and_oversized() {
    let work = Work::new();
    let big = vec![b'z'; 4096];
    let bytes = tar_gz(&[
        TarEntry::PaxGlobal(b"52 comment=0123456789012345678901234567890123456789\n"),
        TarEntry::Dir("repo-v1/"),
        TarEntry::File("repo-v1/README.md", b"tar readme", 0o644),
        TarEntry::File("repo-v1/bin/run.sh", b"#!/bin/sh", 0o755),
        TarEntry::File("repo-v1/assets/big.bin", &big, 0o644),
    ]);
    for name in ["repo-v1.tar.gz", "repo-v1.tgz"] {
        let path = work.write(name, &bytes);
        let options = FetchOptions {
            max_file_bytes: 1024,
            ..work.options()
        };
        let fetched = work.fetch(&path, &options).unwrap();
        assert_eq!(list_files(&fetched.root), vec!["README.md", "bin/run.sh"]);
        assert_eq!(
            fetched.oversized,
            vec![("assets/big.bin".to_string(), 4096)]
        );
        assert_eq!(fetched.resolved.name, "repo-v1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(fetched.root.join("bin/run.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111);
        }
    }
    work.assert_clean();
}

#[test]
fn zip_slip_entries_are_errors() {
    for name in [
        "../evil",
        "/abs/evil",
        "ok/../../evil",
        "C:\\evil",
        "..\\evil",
    ] {
        let work = Work::new();
        let path = work.write(
            "slip.zip",
            &zip(&[
                ZipEntry::File("fine.txt", b"ok"),
                ZipEntry::File(name, b"pwned"),
            ]),
        );
        let err = work.fetch(&path, &work.options()).unwrap_err();
        assert!(matches!(err, SourceError::EntryEscapes(_)), "{name}: {err}");
        assert!(
            err.to_string()
                .starts_with("archive entry escapes the destination: "),
            "{err}"
        );
        work.assert_clean();
    }
}

#[test]
fn tar_slip_entries_are_errors() {
    for name in [&b"../evil"[..], b"/tmp/evil", b"a/../../evil"] {
        let work = Work::new();
        let path = work.write(
            "slip.tar.gz",
            &tar_gz(&[
                TarEntry::File("a/fine.txt", b"ok", 0o644),
                TarEntry::RawFile(name, b"pwned"),
            ]),
        );
        let err = work.fetch(&path, &work.options()).unwrap_err();
        assert!(matches!(err, SourceError::EntryEscapes(_)), "{err}");
        work.assert_clean();
    }
}

#[test]
fn links_are_never_created() {
    let work = Work::new();
    let outside = work.dir.path().join("outside.txt");
    fs::write(&outside, "secret").unwrap();
    let tar = tar_gz(&[
        TarEntry::File("p/a.txt", b"a", 0o644),
        TarEntry::Symlink("p/link", outside.to_str().unwrap()),
        TarEntry::Symlink("p/up", "../../.."),
        TarEntry::Hardlink("p/hard", outside.to_str().unwrap()),
        // A file written "through" the symlink must not land outside.
        TarEntry::File("p/up/evil", b"pwned", 0o644),
    ]);
    let path = work.write("links.tar.gz", &tar);
    let fetched = work.fetch(&path, &work.options()).unwrap();
    assert_eq!(list_files(&fetched.root), vec!["a.txt", "up/evil"]);
    for name in ["link", "hard"] {
        assert!(
            fs::symlink_metadata(fetched.root.join(name)).is_err(),
            "{name} was created"
        );
    }
    assert!(!fs::symlink_metadata(fetched.root.join("up"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&outside).unwrap(), "secret");
    drop(fetched);

    let zipped = zip(&[
        ZipEntry::File("q/a.txt", b"a"),
        ZipEntry::Symlink("q/link", "/etc/passwd"),
    ]);
    let path = work.write("links.zip", &zipped);
    let fetched = work.fetch(&path, &work.options()).unwrap();
    assert_eq!(list_files(&fetched.root), vec!["a.txt"]);
    assert!(fs::symlink_metadata(fetched.root.join("link")).is_err());
    drop(fetched);
    work.assert_clean();
}

#[test]
fn zip_bomb_is_too_large_and_leaves_nothing() {
    let work = Work::new();
    let zeros = vec![0u8; 1 << 20];
    let entries: Vec<String> = (0..8).map(|i| format!("bomb/part{i}.bin")).collect();
    let zip_entries: Vec<ZipEntry<'_>> =
        entries.iter().map(|n| ZipEntry::File(n, &zeros)).collect();
    let bytes = zip(&zip_entries);
    assert!(
        bytes.len() < 100 * 1024,
        "the bomb should compress well: {}",
        bytes.len()
    );
    let path = work.write("bomb.zip", &bytes);
    let options = FetchOptions {
        max_total_bytes: 3 << 20,
        max_file_bytes: 2 << 20,
        ..work.options()
    };
    let err = work.fetch(&path, &options).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge(_)), "{err}");
    assert!(
        err.to_string()
            .contains("more than 3145728 bytes when extracted")
            && err.to_string().contains("--max-total-bytes"),
        "names the limit: {err}"
    );
    assert_eq!(err.kind(), doctown_core::ErrorKind::Invalid);
    work.assert_clean();
}

/// A bomb whose every file is over the per-file limit leaves nothing to
/// extract: the error names that limit (it used to be "cannot read
/// …/bomb: No such file or directory" from ingest, the folder never made).
#[test]
fn zip_bomb_of_oversized_files_names_the_per_file_limit() {
    let work = Work::new();
    let zeros = vec![0u8; 4 << 20];
    let bytes = zip(&[
        ZipEntry::File("bomb/a.txt", &zeros),
        ZipEntry::File("bomb/b.txt", &zeros[..3 << 20]),
    ]);
    assert!(bytes.len() < 64 * 1024, "compresses well: {}", bytes.len());
    let path = work.write("bomb.zip", &bytes);
    let options = FetchOptions {
        max_file_bytes: 1 << 20,
        ..work.options()
    };
    let err = work.fetch(&path, &options).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge(_)), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("per-file limit of 1048576 bytes")
            && message.contains("--max-file-bytes")
            && message.contains("bomb/a.txt, has 4194304 bytes"),
        "{message}"
    );
    work.assert_clean();
    // The same files beside one that fits: extracted, the big ones recorded.
    let bytes = zip(&[
        ZipEntry::File("bomb/a.txt", &zeros),
        ZipEntry::File("bomb/ok.rs", b"fn ok() {}"),
    ]);
    let path = work.write("mixed.zip", &bytes);
    let fetched = work.fetch(&path, &options).unwrap();
    assert_eq!(list_files(&fetched.root), vec!["ok.rs"]);
    assert_eq!(fetched.oversized, vec![("a.txt".to_string(), 4 << 20)]);
    drop(fetched);
    work.assert_clean();
}

/// Entries that declare more than the decompression limit (8 × the total
/// limit, at least 64 MiB) are refused before any byte is inflated.
#[test]
fn zip_declaring_more_than_the_decompression_limit_is_refused() {
    let work = Work::new();
    let bytes = lie_about_size(zip(&[ZipEntry::File("huge.bin", b"tiny")]), 0xF000_0000);
    let path = work.write("huge.zip", &bytes);
    let err = work.fetch(&path, &work.options()).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge(_)), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("declare more than 838860800 bytes")
            && message.contains("8 × --max-total-bytes"),
        "{message}"
    );
    work.assert_clean();
}

/// An empty archive is an empty repository, not an error.
#[test]
fn empty_zip_is_an_empty_repository() {
    let work = Work::new();
    let path = work.write("empty.zip", &zip(&[ZipEntry::Dir("empty-main/")]));
    let fetched = work.fetch(&path, &work.options()).unwrap();
    assert!(fetched.root.is_dir());
    assert!(list_files(&fetched.root).is_empty());
    drop(fetched);
    work.assert_clean();
}

#[test]
fn tar_gz_bomb_is_too_large_and_leaves_nothing() {
    let work = Work::new();
    let zeros = vec![0u8; 1 << 20];
    let names: Vec<String> = (0..6).map(|i| format!("b/{i}.bin")).collect();
    let entries: Vec<TarEntry<'_>> = names
        .iter()
        .map(|n| TarEntry::File(n, &zeros, 0o644))
        .collect();
    let path = work.write("bomb.tgz", &tar_gz(&entries));
    let options = FetchOptions {
        max_total_bytes: 2 << 20,
        max_file_bytes: 2 << 20,
        ..work.options()
    };
    let err = work.fetch(&path, &options).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge(_)), "{err}");
    assert!(
        err.to_string().contains("--max-total-bytes"),
        "names the limit: {err}"
    );
    work.assert_clean();
}

#[test]
fn entry_count_is_capped() {
    let work = Work::new();
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    let entries: Vec<ZipEntry<'_>> = names.iter().map(|n| ZipEntry::File(n, b"x")).collect();
    let path = work.write("many.zip", &zip(&entries));
    let settings = ExtractSettings {
        max_entries: 10,
        ..work.settings()
    };
    let spec = parse_source(path.to_str().unwrap(), None).unwrap();
    let err = fetch_with(&spec, &work.options(), &settings).unwrap_err();
    assert!(err.to_string().contains("more than 10 entries"), "{err}");
    work.assert_clean();
}

#[test]
fn corrupt_archives_give_one_line_errors() {
    let work = Work::new();
    for (name, bytes) in [
        ("bad.zip", &b"PK\x03\x04garbage"[..]),
        ("bad.tar.gz", b"\x1f\x8b\x08garbage"),
        ("bad.tgz", b"plain text"),
    ] {
        let path = work.write(name, bytes);
        let err = work.fetch(&path, &work.options()).unwrap_err();
        assert!(!err.to_string().contains('\n'), "{err}");
        assert!(err.to_string().contains("bad."), "{name}: {err}");
    }
    work.assert_clean();
}

/// Patches every "uncompressed size" field of a one-entry zip to `size`.
fn lie_about_size(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
    let patch = |bytes: &mut Vec<u8>, signature: &[u8], offset: usize| {
        let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
        bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
    };
    patch(&mut bytes, b"PK\x03\x04", 22);
    patch(&mut bytes, b"PK\x01\x02", 24);
    bytes
}

#[test]
fn zip_entry_lying_about_its_size_is_bounded() {
    let work = Work::new();
    let zeros = vec![0u8; 4 << 20];
    // (A file that fits beside it: an archive of nothing but oversized
    // files is refused, see above.)
    let bytes = lie_about_size(
        zip(&[
            ZipEntry::File("liar.bin", &zeros),
            ZipEntry::File("ok.txt", b"fits"),
        ]),
        100,
    );
    let path = work.write("liar.zip", &bytes);
    let options = FetchOptions {
        max_file_bytes: 1 << 20,
        max_total_bytes: 8 << 20,
        ..work.options()
    };
    // The zip crate believes the header; the byte count while writing does not.
    let fetched = work.fetch(&path, &options).unwrap();
    assert!(!fetched.root.join("liar.bin").exists());
    assert_eq!(fetched.oversized.len(), 1);
    assert_eq!(fetched.oversized[0].0, "liar.bin");
    assert!(fetched.oversized[0].1 > 1 << 20);
    drop(fetched);
    work.assert_clean();
}
