//! Bad input: one-line errors or recorded skips, never a panic, nothing
//! written outside the job.

mod common;

use common::*;
use std::fs;
use std::io::Write;

#[test]
fn nonexistent_path() {
    assert_one_line_error(
        &run(&["symbols", "/definitely/not/here"]),
        "/definitely/not/here",
    );
}

#[test]
fn ref_on_a_directory_that_is_not_a_git_repository() {
    let dir = copy_fixture("multilang");
    assert_one_line_error(
        &run(&["symbols", dir.path().to_str().unwrap(), "--ref", "v1"]),
        "git",
    );
}

#[test]
fn invalid_and_non_github_urls() {
    assert_one_line_error(&run(&["symbols", "https://gitlab.com/o/r"]), "gitlab.com");
    assert_one_line_error(
        &run(&["symbols", "https://github.com/only-owner"]),
        "github.com",
    );
}

#[test]
fn zip_slip_archive_is_refused_and_writes_nothing_outside() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("evil.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&archive).unwrap());
    zip.start_file("../escaped.rs", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"fn evil() {}").unwrap();
    zip.finish().unwrap();
    let out = run(&["symbols", archive.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_ne!(out.status.code(), Some(101), "{}", stderr(&out));
    assert!(!dir.path().join("escaped.rs").exists());
    assert!(!std::env::temp_dir().join("escaped.rs").exists());
}

#[test]
fn empty_repository_builds_with_nothing_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "ingest",
        dir.path().to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 parsed"), "{}", stdout(&out));
}

/// Decision: an empty repository (or one with no file in a supported
/// language) builds an empty but valid docpack, with embeddings on as with
/// them off — the embed stage is skipped when there are no chunks, so no
/// model is needed either. It used to fail in assemble with "the vectors
/// have 0 dimensions".
#[test]
fn empty_repository_builds_an_empty_valid_docpack() {
    let work = tempfile::tempdir().unwrap();
    let empty = work.path().join("empty");
    let docs_only = work.path().join("docs-only");
    fs::create_dir_all(&empty).unwrap();
    fs::create_dir_all(&docs_only).unwrap();
    fs::write(docs_only.join("README.md"), "# nothing to parse\n").unwrap();
    for (repo, embeddings) in [(&empty, "on"), (&docs_only, "on"), (&empty, "off")] {
        let out_file = work.path().join(format!("out-{embeddings}.docpack"));
        let out = run(&[
            "build",
            repo.to_str().unwrap(),
            "--store",
            work.path().join("store").to_str().unwrap(),
            "--embeddings",
            embeddings,
            "-o",
            out_file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}: {}", repo.display(), stderr(&out));
        assert!(stdout(&out).contains("0 parsed"), "{}", stdout(&out));
        let verified = run(&["verify", out_file.to_str().unwrap()]);
        assert!(verified.status.success(), "{}", stderr(&verified));
        let inspect = run(&["inspect", out_file.to_str().unwrap(), "--json"]);
        assert!(inspect.status.success(), "{}", stderr(&inspect));
        let inspection: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
        assert_eq!(inspection["statistics"]["symbols"], 0, "{inspection}");
        assert_eq!(inspection["parts"]["embeddings"], false, "{inspection}");
    }
}

/// A zip bomb names the limit it hit (it used to fail with "cannot read
/// /tmp/doctown-src-…/repo: No such file or directory").
#[test]
fn zip_bomb_names_the_limit_it_hit() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bomb.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&archive).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("repo/zeros.txt", options).unwrap();
    zip.write_all(&vec![0u8; 4 << 20]).unwrap();
    zip.finish().unwrap();
    assert!(fs::metadata(&archive).unwrap().len() < 64 << 10);
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "build",
        archive.to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
        "--embeddings",
        "off",
    ]);
    assert_one_line_error(&out, "per-file limit of 1048576 bytes");
    let err = stderr(&out);
    assert!(
        err.contains("repo/zeros.txt") && err.contains("--max-file-bytes"),
        "{err}"
    );
    assert!(!err.contains("No such file"), "{err}");
    assert!(
        !err.contains("doctown resume"),
        "a retry cannot help: {err}"
    );
}

/// `doctown resume JOB` is suggested only where a retry can help: not for
/// an invalid URL or a missing path, but for a network error.
#[test]
fn resume_is_suggested_only_when_a_retry_can_help() {
    let store = tempfile::tempdir().unwrap();
    let build = |source: &str, api: &str| {
        doctown()
            .env("DOCTOWN_GITHUB_API", api)
            .args(["build", source, "--embeddings", "off"])
            .args(["--store", store.path().to_str().unwrap()])
            .output()
            .expect("doctown runs")
    };
    for (source, needle) in [
        ("https://github.com/../../etc", "invalid URL"),
        ("/definitely/not/here", "/definitely/not/here"),
    ] {
        let out = build(source, "https://api.github.com");
        assert_one_line_error(&out, needle);
        assert!(!stderr(&out).contains("resume"), "{}", stderr(&out));
    }
    // Nothing listens on port 1: a network error, which a retry may fix.
    let out = build("https://github.com/octo/repo", "http://127.0.0.1:1");
    assert_one_line_error(&out, "doctown resume job-");
    assert!(stderr(&out).contains("retries"), "{}", stderr(&out));
}

#[test]
fn hostile_files_are_parsed_or_skipped_without_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("deep.py"),
        format!("x = {}1{}\n", "(\n".repeat(10_000), ")\n".repeat(10_000)),
    )
    .unwrap();
    fs::write(
        root.join("deep.rs"),
        format!(
            "fn f() {{ {} }}\n",
            "{\n".repeat(10_000) + &"}\n".repeat(10_000)
        ),
    )
    .unwrap();
    fs::write(
        root.join("bundle.js"),
        format!("var a={};", "1+".repeat(2_500_000) + "1"),
    )
    .unwrap();
    fs::write(
        root.join("mid.js"),
        format!("var a=[{}];", "1,".repeat(200_000)),
    )
    .unwrap();
    fs::write(
        root.join("latin1.go"),
        b"package x\n// caf\xe9\nfunc F() {}\n",
    )
    .unwrap();
    fs::write(root.join("blob.rs"), b"\0\x01\x02binary").unwrap();
    fs::write(
        root.join("broken.ts"),
        "export function ok(): number { return 1 }\nclass {{{ nope\n",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "ingest",
        root.to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let reason = |path: &str| {
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|e| e["type"] == "ingest.file_skipped.v1" && e["payload"]["path"] == path)
            .map(|e| e["payload"]["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(reason("bundle.js").as_deref(), Some("too_large"));
    assert_eq!(reason("mid.js").as_deref(), Some("minified"));
    assert_eq!(reason("blob.rs").as_deref(), Some("binary"));
    assert_eq!(reason("deep.py"), None);
    assert_eq!(reason("broken.ts"), None);

    let symbols = run(&["symbols", root.to_str().unwrap(), "--format", "jsonl"]);
    assert!(symbols.status.success(), "{}", stderr(&symbols));
    let names = stdout(&symbols);
    assert!(
        names.contains("\"ok\""),
        "recovered symbol from a file with syntax errors: {names}"
    );
    assert!(names.contains("\"F\""), "{names}");
}

#[test]
fn total_size_limit_is_a_clear_error() {
    let dir = copy_fixture("multilang");
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "ingest",
        dir.path().to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
        "--max-total-bytes",
        "100",
    ]);
    assert_one_line_error(&out, "over the limit of 100 bytes");
}

#[test]
fn serving_beyond_loopback_without_api_keys_is_refused() {
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "serve",
        "--addr",
        "0.0.0.0:0",
        "--store",
        store.path().to_str().unwrap(),
    ]);
    assert_one_line_error(&out, "--open");
    assert!(stderr(&out).contains("POST /jobs"), "{}", stderr(&out));
}
