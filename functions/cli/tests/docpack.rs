//! The whole pipeline through the real binary: build, verify, inspect,
//! search, export, diff — and byte-identical rebuilds.

mod common;

use common::*;
use doctown_core::Stage;
use doctown_pipeline::memo::Memo;
use std::fs;
use std::path::Path;

fn build(repo: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    build_with(doctown(), repo, out, extra)
}

/// `build` by `command` (a `doctown` with its own environment).
fn build_with(
    mut command: std::process::Command,
    repo: &Path,
    out: &Path,
    extra: &[&str],
) -> std::process::Output {
    let store = out.parent().unwrap().join("store");
    let mut args = vec![
        "build",
        repo.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    command.args(&args).output().expect("doctown runs")
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn builds_are_byte_identical_and_verify() {
    require_model();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.docpack"), dir.path().join("b.docpack"));
    for path in [&a, &b] {
        let out = build(&fixture("multilang"), path, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(
        fs::read(&a).unwrap(),
        fs::read(&b).unwrap(),
        "two builds differ"
    );
    let verified = run(&["verify", a.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", stderr(&verified));

    let inspect = run(&["inspect", a.to_str().unwrap(), "--json"]);
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    let inspection: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    // 20: `pub mod store;` in src/lib.rs is a module symbol.
    assert_eq!(inspection["statistics"]["symbols"], 20, "{inspection}");

    // Semantic search finds a function from a paraphrase of what it does.
    let search = run(&[
        "search",
        a.to_str().unwrap(),
        "turn a person's name into title case",
        "--json",
    ]);
    assert!(search.status.success(), "{}", stderr(&search));
    let result: serde_json::Value = serde_json::from_slice(&search.stdout).unwrap();
    assert_eq!(
        result["hits"][0]["name"], "pyapp.models.format_name",
        "{result}"
    );
    assert_eq!(
        result["used"],
        serde_json::json!(["lexical", "semantic"]),
        "{result}"
    );
    // The same question by meaning alone.
    let semantic = run(&[
        "search",
        a.to_str().unwrap(),
        "turn a person's name into title case",
        "--mode",
        "semantic",
        "--json",
    ]);
    let result: serde_json::Value = serde_json::from_slice(&semantic.stdout).unwrap();
    assert_eq!(
        result["hits"][0]["name"], "pyapp.models.format_name",
        "{result}"
    );
}

#[test]
fn structural_build_without_embeddings_exports_and_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.docpack");
    let out = build(&fixture("multilang"), &old, &["--embeddings", "off"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let inspect = run(&["inspect", old.to_str().unwrap(), "--json"]);
    let inspection: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(inspection["parts"]["embeddings"], false, "{inspection}");

    let site = dir.path().join("site");
    let export = run(&[
        "export",
        old.to_str().unwrap(),
        "--markdown",
        site.to_str().unwrap(),
    ]);
    assert!(export.status.success(), "{}", stderr(&export));
    let index = fs::read_to_string(site.join("index.md")).unwrap();
    assert!(index.contains("multilang"), "{index}");
    // Every symbol is listed by the module of its directory.
    let docpack = doctown_docpack::read_docpack(&old).unwrap();
    for s in &docpack.nodes.symbols {
        let dir = s.path.rsplit_once('/').map_or(".", |(dir, _)| dir);
        let module = docpack
            .docs
            .modules
            .iter()
            .find(|m| m.path.as_deref() == Some(dir));
        assert!(
            module.is_some_and(|m| m.symbols.contains(&s.id)),
            "{} is not listed by module {dir}",
            s.id
        );
    }

    let repo = copy_fixture("multilang");
    fs::write(
        repo.path().join("web/extra.ts"),
        "export function shout(s: string): string { return s.toUpperCase(); }\n",
    )
    .unwrap();
    let new = dir.path().join("new.docpack");
    let out = build(repo.path(), &new, &["--embeddings", "off"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = run(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    assert!(stdout(&diff).contains("shout"), "{}", stdout(&diff));
}

#[test]
fn damaged_docpacks_are_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.docpack");
    let out = build(&fixture("multilang"), &path, &["--embeddings", "off"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = fs::read(&path).unwrap();

    let truncated = dir.path().join("truncated.docpack");
    fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert_one_line_error(
        &run(&["verify", truncated.to_str().unwrap()]),
        "truncated.docpack",
    );

    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let flipped_path = dir.path().join("flipped.docpack");
    fs::write(&flipped_path, &flipped).unwrap();
    assert_one_line_error(
        &run(&["verify", flipped_path.to_str().unwrap()]),
        "flipped.docpack",
    );
    assert_one_line_error(&run(&["inspect", "/no/such.docpack"]), "/no/such.docpack");
}

/// A build writes the random-access index; it opens in place and answers
/// what the whole docpack says; `upgrade` gives a docpack written without
/// it (1.5) the same index, and refuses what it cannot read in one line.
#[test]
fn builds_open_in_place_and_upgrade_adds_the_index() {
    use doctown_docpack::{entry, Access};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.docpack");
    let out = build(&fixture("multilang"), &path, &["--embeddings", "off"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let whole = doctown_docpack::read_docpack(&path).unwrap();
    let access = Access::open(&path).unwrap();
    assert_eq!(access.index.rows.len(), whole.nodes.symbols.len());
    for (i, s) in whole.nodes.symbols.iter().enumerate() {
        assert_eq!(&access.symbol(i as u32).unwrap(), s);
    }
    // The same docpack as 1.5 wrote it: no access.bin.
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(fs::File::open(&path).unwrap()));
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut b).unwrap();
        if name != entry::ACCESS {
            entries.push((name, b));
        }
    }
    let mut manifest: serde_json::Value = serde_json::from_slice(&entries[0].1).unwrap();
    manifest["schema_version"] = "docpack/1.5".into();
    let listed = manifest["checksum"]["entries"].as_array_mut().unwrap();
    listed.retain(|e| e["name"] != entry::ACCESS);
    let id = doctown_docpack::canonical::docpack_id(
        listed
            .iter()
            .map(|e| (e["name"].as_str().unwrap(), e["sha256"].as_str().unwrap())),
    );
    manifest["docpack_id"] = id.clone().into();
    manifest["checksum"]["value"] = id.into();
    entries[0].1 =
        doctown_docpack::canonical::to_canonical_json("manifest.json", &manifest).unwrap();
    let framed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let old = dir.path().join("old.docpack");
    fs::write(
        &old,
        doctown_docpack::writer::pack_entries(&framed).unwrap(),
    )
    .unwrap();
    let refused = Access::open(&old).unwrap_err().to_string();
    assert!(
        refused.contains("doctown upgrade") || refused.contains("upgrade"),
        "{refused}"
    );
    let new = dir.path().join("new.docpack");
    let upgraded = run(&[
        "upgrade",
        old.to_str().unwrap(),
        "-o",
        new.to_str().unwrap(),
    ]);
    assert!(upgraded.status.success(), "{}", stderr(&upgraded));
    assert!(
        stdout(&upgraded).contains("with access.bin"),
        "{}",
        stdout(&upgraded)
    );
    assert_eq!(
        fs::read(&new).unwrap(),
        fs::read(&path).unwrap(),
        "upgrade is the build's bytes"
    );
    assert!(run(&["verify", new.to_str().unwrap()]).status.success());
    assert_one_line_error(
        &run(&["upgrade", "/no/such.docpack", "-o", new.to_str().unwrap()]),
        "/no/such.docpack",
    );
    let nowhere = dir.path().join("missing/dir/x.docpack");
    assert_one_line_error(
        &run(&[
            "upgrade",
            path.to_str().unwrap(),
            "-o",
            nowhere.to_str().unwrap(),
        ]),
        "missing/dir",
    );
}

/// What the store keeps of the last build's `name` (`cache/assemble/*.kmeans`,
/// `*.neighbours`).
fn source_memo(store: &Path, area: &str, name: &str) -> std::path::PathBuf {
    let dir = store.join("cache").join(area);
    let entries: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == name))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

/// A rebuild takes the last build's vectors in one object (embed), and its
/// k-means labels and related neighbours when its vectors are the same
/// (assemble); a damaged memo or changed vectors compute them again; every
/// docpack is byte-identical to a cold build of the same tree.
#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn rebuilds_reuse_what_assemble_computed_and_match_cold_builds() {
    require_model();
    let repo = copy_fixture("multilang");
    let warm_dir = tempfile::tempdir().unwrap();
    let store = warm_dir.path().join("store");
    let cold = |name: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let out = build(repo.path(), &path, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        fs::read(path).unwrap()
    };
    let warm = |name: &str| {
        let path = warm_dir.path().join(name);
        let out = build(repo.path(), &path, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        fs::read(path).unwrap()
    };

    let first = warm("first.docpack");
    let memos = [
        ("embed", "vectors"),
        ("assemble", "kmeans"),
        ("assemble", "neighbours"),
    ]
    .map(|(area, name)| source_memo(&store, area, name));
    let stored = memos.clone().map(|m| fs::read(m).unwrap());
    let modified = memos
        .clone()
        .map(|m| fs::metadata(m).unwrap().modified().unwrap());

    // The same vectors: the results are read, not written again.
    assert_eq!(warm("same.docpack"), first);
    for (memo, modified) in memos.iter().zip(&modified) {
        assert_eq!(&fs::metadata(memo).unwrap().modified().unwrap(), modified);
    }

    // The vectors come from the embed memo: with the per-text cache gone,
    // nothing is embedded and the docpack is the same.
    fs::remove_dir_all(store.join("cache/embeddings")).unwrap();
    let out = build(
        repo.path(),
        &warm_dir.path().join("memo.docpack"),
        &["--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let embed = &summary["stages"]["embed"]["summary"];
    assert!(embed["unique_texts"].as_u64().unwrap() > 0, "{embed}");
    assert_eq!(embed["from_last_build"], embed["unique_texts"], "{embed}");
    assert_eq!(embed["cache_misses"], 0, "{embed}");
    assert_eq!(
        fs::read(warm_dir.path().join("memo.docpack")).unwrap(),
        first
    );

    // A damaged memo is computed again and replaced.
    for memo in &memos {
        fs::write(memo, b"not a result").unwrap();
    }
    assert_eq!(warm("damaged.docpack"), first);
    assert_eq!(memos.clone().map(|m| fs::read(m).unwrap()), stored);
    assert_eq!(
        cold("cold.docpack"),
        first,
        "a rebuild differs from a cold build"
    );

    // Changed vectors: new labels, the same bytes as a cold build.
    let models = repo.path().join("pyapp/models.py");
    let text = fs::read_to_string(&models).unwrap();
    fs::write(
        &models,
        format!("{text}\n\ndef shout(name):\n    \"\"\"Says a name loudly.\"\"\"\n    return name.upper() + \"!\"\n"),
    )
    .unwrap();
    let changed = warm("changed.docpack");
    assert_ne!(changed, first);
    assert_ne!(fs::read(&memos[0]).unwrap(), stored[0]);
    assert_ne!(fs::read(&memos[1]).unwrap(), stored[1]);
    assert_eq!(cold("changed-cold.docpack"), changed);
}

/// A repository large enough that each docpack part spans many deflate
/// blocks: 40 Python modules of 60 functions.
fn generated_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for m in 0..40 {
        let mut text = format!("\"\"\"Module {m}.\"\"\"\n\nimport os\n\n");
        for f in 0..60 {
            let callee = (f + 1) % 60;
            text.push_str(&format!(
                "def step_{m}_{f}(value):\n    \"\"\"Step {f} of module {m}: adds {f} and hands on.\"\"\"\n    \
                 total = value + {f}\n    return step_{m}_{callee}(total) if total < {m} else os.path.join(str(total), \"{m}\")\n\n"
            ));
        }
        fs::write(dir.path().join(format!("mod_{m:02}.py")), text).unwrap();
    }
    dir
}

fn pack_summary(out: &std::process::Output) -> serde_json::Value {
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    summary["stages"]["pack"]["summary"].clone()
}

#[test]
fn a_rebuild_after_a_one_file_change_is_byte_identical_to_a_cold_build() {
    let repo = generated_repo();
    let warm_dir = tempfile::tempdir().unwrap();
    let first = warm_dir.path().join("first.docpack");
    let flags = ["--embeddings", "off", "--json"];
    let out = build(repo.path(), &first, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(pack_summary(&out)["blocks_reused"], 0);

    // One function's doc comment grows: its node, and the ranges of the
    // functions after it in that file, change; nothing else should.
    let changed = repo.path().join("mod_17.py");
    let text = fs::read_to_string(&changed).unwrap().replace(
        "Step 3 of module 17: adds 3 and hands on.",
        "Step 3 of module 17: adds three, then hands the total to the next step.",
    );
    fs::write(&changed, text).unwrap();

    let warm = warm_dir.path().join("warm.docpack");
    let out = build(repo.path(), &warm, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = pack_summary(&out);
    let (blocks, reused) = (
        summary["blocks"].as_u64().unwrap(),
        summary["blocks_reused"].as_u64().unwrap(),
    );
    assert!(blocks > 10 && reused > blocks / 2, "{summary}");

    let cold_dir = tempfile::tempdir().unwrap();
    let cold = cold_dir.path().join("cold.docpack");
    let out = build(repo.path(), &cold, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(pack_summary(&out)["blocks_reused"], 0);
    assert_eq!(
        fs::read(&warm).unwrap(),
        fs::read(&cold).unwrap(),
        "the rebuild differs from a cold build"
    );
    let verified = run(&["verify", warm.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", stderr(&verified));

    // The cache is an index into the last docpack, not a second copy of
    // its blocks.
    let store = warm_dir.path().join("store");
    let index = source_memo(&store, "pack", "blocks");
    let index_len = fs::metadata(&index).unwrap().len();
    assert!(
        index_len < 64 * 1024 && index_len * 50 < fs::metadata(&warm).unwrap().len(),
        "{index_len} bytes"
    );

    // A stored docpack that is not the one indexed (damaged here) gives no
    // blocks: every block is deflated again, to the same bytes.
    for job in fs::read_dir(store.join("jobs")).unwrap() {
        for docpack in fs::read_dir(job.unwrap().path().join("pack")).unwrap() {
            let path = docpack.unwrap().path();
            let mut bytes = fs::read(&path).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xff;
            fs::write(&path, bytes).unwrap();
        }
    }
    let again = warm_dir.path().join("again.docpack");
    let out = build(repo.path(), &again, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(pack_summary(&out)["blocks_reused"], 0);
    assert_eq!(fs::read(&again).unwrap(), fs::read(&cold).unwrap());
}

/// `bytes` with every `from` replaced by `to` (of the same length).
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut found = 0;
    let mut at = 0;
    while let Some(i) = out[at..].windows(from.len()).position(|w| w == from) {
        out[at + i..at + i + from.len()].copy_from_slice(to);
        at += i + from.len();
        found += 1;
    }
    assert!(found > 0, "{} not found", String::from_utf8_lossy(from));
    out
}

/// The text of a docpack's JSON parts, uncompressed.
fn docpack_text(path: &Path) -> String {
    let mut text = String::new();
    let gz = flate2::read::GzDecoder::new(fs::File::open(path).unwrap());
    for e in tar::Archive::new(gz).entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().extension().is_some_and(|x| x == "json") {
            std::io::Read::read_to_string(&mut e, &mut text).unwrap();
        }
    }
    text
}

/// A rebuild takes each unchanged symbol's summary from the last build's
/// memo (generate): what is planted there comes out, so it is read; after
/// a change, and with a damaged memo, the docpack is a cold build's.
#[test]
fn rebuilds_recall_summaries_from_the_last_build() {
    let repo = generated_repo();
    let warm_dir = tempfile::tempdir().unwrap();
    let store = warm_dir.path().join("store");
    let flags = ["--embeddings", "off"];
    let warm = |name: &str| {
        let path = warm_dir.path().join(name);
        let out = build(repo.path(), &path, &flags);
        assert!(out.status.success(), "{}", stderr(&out));
        path
    };
    let cold = |name: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let out = build(repo.path(), &path, &flags);
        assert!(out.status.success(), "{}", stderr(&out));
        fs::read(path).unwrap()
    };
    let first = fs::read(warm("first.docpack")).unwrap();
    let summaries = source_memo(&store, "generate", "docs");

    // A summary planted in the memo (kept as the build that wrote it
    // keeps it) reaches docs.json, then nodes.json.
    let said = b"Step 7 of module 12: adds 7 and hands on.";
    let planted = b"STEP 7 OF MODULE 12: ADDS 7 AND HANDS ON.";
    let local = doctown_store::LocalStore::open(&store).unwrap();
    let memo = Memo::for_source(&local, repo.path().to_str().unwrap(), Stage::Generate);
    let build = memo
        .written_by("docs")
        .expect("the build kept its summaries");
    let memo = memo.as_build(&build);
    let slot = doctown_generate::memo::SLOT;
    let kept = memo
        .lookup(slot)
        .expect("the memo reads as the build wrote it");
    memo.put(slot, &replace_bytes(&kept, said, planted));
    let text = docpack_text(&warm("planted.docpack"));
    assert!(
        text.contains("STEP 7 OF MODULE 12"),
        "the summary was not recalled"
    );
    // A byte of it damaged: nothing of the memo is used.
    let mut damaged = fs::read(&summaries).unwrap();
    let at = damaged.len() / 2;
    damaged[at] ^= 1;
    fs::write(&summaries, damaged).unwrap();
    assert_eq!(fs::read(warm("flipped.docpack")).unwrap(), first);

    // A damaged memo is not read: the cold bytes again, and a new memo.
    fs::write(&summaries, b"doctown-generate-memo 1 damaged").unwrap();
    assert_eq!(fs::read(warm("damaged.docpack")).unwrap(), first);
    assert_eq!(cold("cold.docpack"), first);
    assert!(fs::read(&summaries).unwrap().len() > 1000);

    // A change: the rebuild recalls the rest and writes the cold bytes.
    let changed = repo.path().join("mod_12.py");
    let text = fs::read_to_string(&changed).unwrap().replace(
        "Step 3 of module 12: adds 3 and hands on.",
        "Step 3 of module 12: adds three, then hands the total on.",
    );
    fs::write(&changed, text).unwrap();
    // And a new caller of a function in another file, whose line is the
    // same but whose callers, summary and numbers are not.
    let caller = repo.path().join("mod_39.py");
    let text = fs::read_to_string(&caller).unwrap();
    fs::write(
        &caller,
        format!("{text}\nfrom mod_13 import step_13_5\n\n\ndef relay(value):\n    return step_13_5(value)\n"),
    )
    .unwrap();
    let rebuilt = fs::read(warm("changed.docpack")).unwrap();
    assert_ne!(rebuilt, first);
    assert_eq!(rebuilt, cold("changed-cold.docpack"));
}

/// A source named relative to the working directory and the same source
/// named by its absolute path are one source: the rebuild finds the first
/// build's caches (one blocks index, its blocks reused).
#[test]
fn a_source_named_two_ways_shares_its_caches() {
    let repo = generated_repo();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (parent, name) = (
        repo.path().parent().unwrap(),
        repo.path().file_name().unwrap(),
    );
    let first = dir.path().join("first.docpack");
    let out = common::doctown()
        .current_dir(parent)
        .arg("build")
        .arg(name)
        .args([
            "--store",
            store.to_str().unwrap(),
            "-o",
            first.to_str().unwrap(),
        ])
        .args(["--embeddings", "off", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(pack_summary(&out)["blocks_reused"], 0);

    let changed = repo.path().join("mod_05.py");
    let text = fs::read_to_string(&changed).unwrap().replace(
        "Step 3 of module 5: adds 3 and hands on.",
        "Step 3 of module 5: adds three, then hands the total on.",
    );
    fs::write(&changed, text).unwrap();
    let second = dir.path().join("second.docpack");
    let out = build(repo.path(), &second, &["--embeddings", "off", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = pack_summary(&out);
    let (blocks, reused) = (
        summary["blocks"].as_u64().unwrap(),
        summary["blocks_reused"].as_u64().unwrap(),
    );
    assert!(reused > blocks / 2, "{summary}");
    source_memo(&store, "pack", "blocks");
    source_memo(&store, "ingest", "pointer");
}

/// A build keeps the newest `--keep-jobs` jobs of its source and removes
/// the older ones; another source's jobs stay, and the next rebuild still
/// finds the last docpack's blocks.
#[test]
fn a_build_removes_the_older_jobs_of_its_source() {
    let (repo, other) = (generated_repo(), generated_repo());
    let dir = tempfile::tempdir().unwrap();
    let jobs_dir = dir.path().join("store").join("jobs");
    let job_dirs = || -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&jobs_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let flags = ["--embeddings", "off", "--json", "--keep-jobs", "2"];
    let out = build(other.path(), &dir.path().join("other.docpack"), &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    let other_job = job_dirs();
    let mut built = Vec::new();
    for round in 0..4 {
        let changed = repo.path().join("mod_09.py");
        let text = fs::read_to_string(&changed).unwrap() + &format!("\n# round {round}\n");
        fs::write(&changed, text).unwrap();
        let out = build(repo.path(), &dir.path().join("r.docpack"), &flags);
        assert!(out.status.success(), "{}", stderr(&out));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        built.push(summary["job_id"].as_str().unwrap().to_string());
        let removed = summary["jobs_removed"].as_array().unwrap().clone();
        match round {
            0 | 1 => assert!(removed.is_empty(), "{summary}"),
            _ => assert_eq!(removed, [built[round - 2].as_str()], "{summary}"),
        }
        if round > 0 {
            let pack = pack_summary(&out);
            assert!(pack["blocks_reused"].as_u64().unwrap() > 0, "{pack}");
        }
    }
    let mut expected = vec![other_job[0].clone(), built[2].clone(), built[3].clone()];
    expected.sort();
    assert_eq!(job_dirs(), expected);

    // Refused by the argument parser: its line, then where to find help.
    for (bad, needle) in [
        ("0", "keep at least 1 job"),
        ("some", "a number of jobs or `all`"),
    ] {
        let out = build(
            repo.path(),
            &dir.path().join("r.docpack"),
            &["--keep-jobs", bad],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains(needle),
            "{err}"
        );
    }
    assert_eq!(job_dirs(), expected);
}

/// The exported architecture page draws the module dependencies of a
/// repository whose layers are known (the website's layered-repo fixture:
/// app → api → core → storage ⇄ cache, core → util, storage → util; a
/// guessed call from util to app and test calls draw nothing), the cycle
/// marked; each module page draws its neighbourhood.
#[test]
fn markdown_export_draws_the_module_dependencies() {
    let repo =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../website/tests/fixtures/layered-repo");
    let dir = tempfile::tempdir().unwrap();
    let docpack = dir.path().join("layered.docpack");
    let out = build(&repo, &docpack, &["--embeddings", "off"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let site = dir.path().join("site");
    let export = run(&[
        "export",
        docpack.to_str().unwrap(),
        "--markdown",
        site.to_str().unwrap(),
    ]);
    assert!(export.status.success(), "{}", stderr(&export));
    let page = fs::read_to_string(site.join("architecture.md")).unwrap();
    let diagram = &page[page.find("```mermaid\nflowchart TD\n").expect("a diagram")..];
    let diagram = &diagram[..diagram[3..].find("```").unwrap() + 3];
    let id = |name: &str| -> String {
        let at = diagram
            .find(&format!("[\"{name}\"]"))
            .unwrap_or_else(|| panic!("{name}: {diagram}"));
        diagram[..at].rsplit(' ').next().unwrap().to_string()
    };
    let mut edges: Vec<(String, String)> = Vec::new();
    for line in diagram.lines().filter(|l| l.contains("-->|")) {
        let (from, rest) = line.trim().split_once(" -->|").unwrap();
        let to = rest.rsplit('|').next().unwrap().trim();
        edges.push((from.to_string(), to.to_string()));
    }
    let mut expected: Vec<(String, String)> = [
        ("app", "api"),
        ("api", "core"),
        ("core", "storage"),
        ("storage", "cache"),
        ("cache", "storage"),
        ("core", "util"),
        ("storage", "util"),
    ]
    .iter()
    .map(|(a, b)| (id(a), id(b)))
    .collect();
    expected.sort();
    edges.sort();
    assert_eq!(edges, expected, "{diagram}");
    let cycle = diagram
        .lines()
        .find(|l| l.trim().starts_with("class "))
        .unwrap_or_default();
    let mut marked: Vec<&str> = cycle
        .trim()
        .trim_start_matches("class ")
        .trim_end_matches(" cycle")
        .split(',')
        .collect();
    marked.sort();
    let mut on_cycle = vec![id("storage"), id("cache")];
    on_cycle.sort();
    assert_eq!(marked, on_cycle, "{diagram}");
    let core = fs::read_to_string(site.join("modules/core.md")).unwrap();
    assert!(
        core.contains("## Dependencies\n\n```mermaid\nflowchart LR\n"),
        "{core}"
    );
    // The top flow, from main, as a sequence across the layers: app calls
    // api, api core, core storage, storage the cache, which loads back.
    let flows = &page[page.find("## Top execution flows").expect("no flows")..];
    let flow = &flows[flows
        .find("```mermaid\nsequenceDiagram\n")
        .expect("no diagram")..];
    let flow = &flow[..flow[3..].find("```").unwrap() + 3];
    assert!(
        flows.contains("### `main → handle → process → save → remember → load` (main, reaches"),
        "{flows}"
    );
    let lanes: Vec<&str> = flow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("participant "))
        .map(|l| l.split_once(" as ").unwrap().1)
        .collect();
    assert_eq!(lanes, ["app", "api", "core", "storage", "cache"], "{flow}");
    let messages: Vec<&str> = flow
        .lines()
        .map(str::trim)
        .filter(|l| l.contains("->>"))
        .collect();
    assert_eq!(
        messages,
        [
            "p0->>p1: handle",
            "p1->>p2: process",
            "p2->>p3: save",
            "p3->>p4: remember",
            "p4->>p3: load"
        ],
        "{flow}"
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_docpack_of_the_previous_model_is_still_searched_by_meaning() {
    require_model();
    let config = doctown_embed::EmbedConfig::from_env().unwrap();
    let previous = config
        .previous_default()
        .expect("the default model has a previous one");
    assert!(
        previous.model_path().is_file(),
        "scripts/fetch-model.sh keeps the previous model at {}",
        previous.model_path().display()
    );
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("old.docpack");
    // Built as a host with the previous default built it.
    let mut previous_host = doctown();
    previous_host
        .env("DOCTOWN_MODEL_DIR", &previous.model_dir)
        .env("DOCTOWN_MODEL_ID", doctown_embed::config::PREVIOUS_MODEL_ID)
        .env(
            "DOCTOWN_MODEL_SHA256",
            doctown_embed::config::PREVIOUS_MODEL_SHA256,
        );
    let out = build_with(previous_host, &fixture("multilang"), &pack, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let inspect = run(&["inspect", pack.to_str().unwrap(), "--json"]);
    let inspection: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(
        inspection["models"]["embedding"],
        doctown_embed::config::PREVIOUS_MODEL_ID
    );
    assert_found_by_meaning(&search_by_meaning(&pack, None));
}

/// `doctown search --mode semantic` in `pack` for the multilang fixture's
/// `format_name`, on a host whose model id is `model_id` (the default's
/// when `None`).
fn search_by_meaning(pack: &Path, model_id: Option<&str>) -> std::process::Output {
    let mut cmd = doctown();
    if let Some(id) = model_id {
        cmd.env("DOCTOWN_MODEL_ID", id);
    }
    cmd.args([
        "search",
        pack.to_str().unwrap(),
        "turn a person's name into title case",
        "--mode",
        "semantic",
        "--json",
    ])
    .output()
    .unwrap()
}

fn assert_found_by_meaning(out: &std::process::Output) {
    assert!(out.status.success(), "{}", stderr(out));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !result.to_string().contains("searched by words"),
        "{result}"
    );
    assert_eq!(
        result["hits"][0]["name"], "pyapp.models.format_name",
        "{result}"
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_docpack_of_an_equivalent_model_is_searched_with_the_default() {
    require_model();
    let equivalent = doctown_embed::config::EQUIVALENT_MODEL_IDS[0];
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("equivalent.docpack");
    // Vectors recorded under the earlier id, as its host recorded them.
    let mut earlier_host = doctown();
    earlier_host.env("DOCTOWN_MODEL_ID", equivalent);
    let out = build_with(earlier_host, &fixture("multilang"), &pack, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_found_by_meaning(&search_by_meaning(&pack, None));
    // Another model is not taken for it.
    let other = search_by_meaning(&pack, Some("some-other-model"));
    assert!(!other.status.success());
    assert!(
        stderr(&other).contains(&format!(
            "embedded with {equivalent} but this host has some-other-model"
        )),
        "{}",
        stderr(&other)
    );
}

/// A docpack read in place answers search, symbol, callers, callees and
/// impact as the whole docpack does (one implementation of each, over
/// `Reader`); its search index is built once into a sidecar and read back;
/// a damaged sidecar is rebuilt; the questions that need it whole are
/// refused, naming why.
#[test]
fn a_docpack_read_in_place_answers_as_the_whole_one() {
    use doctown_query::views::{neighbours, Direction};
    use doctown_query::{
        impact, load_file, search, Engine, InPlace, Opening, Reader, SearchRequest, Target,
    };
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.docpack");
    let out = build(&fixture("multilang"), &path, &["--embeddings", "off"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let whole = Arc::new(load_file(&path).unwrap());
    let sidecars = dir.path().join("search");
    let open = || {
        let p = InPlace::open("x".into(), &path).unwrap();
        p.prepare_search(Some(&sidecars));
        Arc::new(p)
    };
    let in_place = open();
    assert_eq!(in_place.len(), whole.len());
    let json = |v: &doctown_query::views::SymbolDetail| serde_json::to_value(v).unwrap();
    for i in 0..whole.len() as u32 {
        assert_eq!(in_place.symbol_ref(i), whole.symbol_ref(i));
        for dir in [Direction::Callers, Direction::Callees] {
            assert_eq!(
                neighbours(&*in_place, i, dir, 0, 50),
                neighbours(&*whole, i, dir, 0, 50)
            );
        }
        let (mut a, mut b) = (
            impact(&*in_place, i, 3, 0, 50),
            impact(&*whole, i, 3, 0, 50),
        );
        assert!(a.notes.len() == 1 && b.notes.is_empty());
        (a.notes, a.importing_files, a.importing_files_total) = (vec![], vec![], 0);
        (b.importing_files, b.importing_files_total) = (vec![], 0);
        assert_eq!(a, b);
        let (mut a, mut b) = (
            in_place.detail(i, 10).unwrap(),
            whole.detail(i, 10).unwrap(),
        );
        (a.members, a.members_total, a.cluster) = (vec![], 0, None);
        (b.members, b.members_total, b.cluster) = (vec![], 0, None);
        assert_eq!(json(&a), json(&b));
    }
    let names: Vec<String> = (0..whole.len() as u32)
        .step_by(7)
        .map(|i| whole.symbol(i).name.clone())
        .chain(["parse the config file".into(), "render html".into()])
        .collect();
    for query in names {
        let req = SearchRequest {
            query,
            limit: 10,
            expand: 3,
            ..SearchRequest::default()
        };
        let hits = |r: doctown_query::SearchResult| {
            r.hits
                .into_iter()
                .map(|h| (h.symbol, h.score, h.signature, h.summary))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            hits(search(std::slice::from_ref(&in_place), &req).unwrap()),
            hits(search(std::slice::from_ref(&whole), &req).unwrap()),
            "{}",
            req.query
        );
    }
    // The sidecar is read back, not rebuilt; a damaged one is rebuilt.
    let sidecar = fs::read_dir(&sidecars)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let written = fs::metadata(&sidecar).unwrap().modified().unwrap();
    drop(open());
    assert_eq!(fs::metadata(&sidecar).unwrap().modified().unwrap(), written);
    let mut bytes = fs::read(&sidecar).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&sidecar, &bytes).unwrap();
    assert!(doctown_query::sidecar::read(&sidecar, &in_place.manifest().docpack_id).is_err());
    let again = open();
    assert!(again.lexical().is_ok());
    assert_ne!(fs::read(&sidecar).unwrap(), bytes);
    // The CLI's questions, in place and whole.
    let file = path.to_str().unwrap();
    let cli = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let scored = |v: serde_json::Value| {
        let hits = v["hits"].as_array().unwrap().clone();
        hits.iter()
            .map(|h| (h["id"].clone(), h["score"].clone()))
            .collect::<Vec<_>>()
    };
    let named = whole.symbol(0).name.clone();
    let search = [
        "search",
        "--json",
        "--mode",
        "lexical",
        file,
        named.as_str(),
    ];
    let mut in_place_search = search.to_vec();
    in_place_search.insert(1, "--in-place");
    let hits = scored(cli(&search));
    assert!(!hits.is_empty());
    assert_eq!(scored(cli(&in_place_search)), hits);
    let most_called = (0..whole.len() as u32)
        .max_by_key(|&i| whole.callers(i).len())
        .unwrap();
    assert!(whole.callers(most_called).len() > 0);
    let target = whole.symbol_ref(most_called).id;
    let mut a = cli(&["impact", "--json", "--in-place", file, &target]);
    let b = cli(&["impact", "--json", file, &target]);
    assert!(a["notes"][0].as_str().unwrap().contains("in place"));
    a.as_object_mut().unwrap().remove("notes");
    for key in ["importing_files", "importing_files_total"] {
        a[key] = b[key].clone();
    }
    assert_eq!(a, b);
    let garbage = dir.path().join("garbage.docpack");
    fs::write(&garbage, b"not a docpack").unwrap();
    let refused = run(&["impact", "--in-place", garbage.to_str().unwrap(), "x"]);
    assert_one_line_error(&refused, "garbage.docpack");
    // Through the engine: the questions that need it whole are refused.
    let engine = Engine::open_with(
        std::slice::from_ref(&path),
        &Opening {
            in_place: true,
            sidecars: None,
        },
    );
    assert!(matches!(engine.target(None), Ok(Target::InPlace(_))));
    let refused = engine.one_pack(None).err().unwrap().to_string();
    assert!(refused.contains("read in place"), "{refused}");
}
