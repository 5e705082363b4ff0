//! `docs.json` written symbol by symbol (`doctown_generate::stream`), the
//! one writer of the generate stage's docs: held against digests of docs
//! reviewed when it replaced the in-memory writer (whose bytes they were)
//! on a multi-module repository (several languages, traits and interfaces
//! whose methods come before them in id order, ties in centrality, entry
//! points in and out of helper scripts, tests, symbols without a cluster,
//! a module without symbols), with and without a history (change
//! sentences and insights); blocks of any size giving the same bytes;
//! contexts out of id order and bad input refused with nothing stored; a
//! rerun recalling from the memo writing a cold run's bytes; and a model's
//! answers laid over the facts.

mod common;

use common::server::{answer_all, error, ScriptServer};
use doctown_core::{
    Event, FileRole, JobId, JobInput, JobState, Language, SymbolId, SymbolKind, Visibility,
};
use doctown_generate::artifacts::assemble::{
    AssembleManifest, ClusterRef, ClusterSet, ContextOutline, ModuleContext, ScoredSymbol,
    SymbolContext, SymbolRef,
};
use doctown_generate::artifacts::generate::GeneratedDocs;
use doctown_generate::stream::{document, DocsStream, Documented, IndexBuilder, Outline};
use doctown_generate::{Backend, DocSource, GenerateConfig, GenerateHandler, GenerateInput};
use doctown_store::{MemoryStore, ObjectStore};
use std::collections::{BTreeMap, BTreeSet};

const MODULES: [&str; 9] = [
    ".",
    "src",
    "src/store",
    "src/net",
    "scripts",
    "tests",
    "include/linux",
    "kernel/sched",
    "tools/perf",
];
const LABELS: [&str; 7] = [
    "object store",
    "event emitter",
    "cli commands",
    "scheduler",
    "network · sockets",
    "parsing",
    "memory",
];
const LANGUAGES: [Language; 5] = [
    Language::Rust,
    Language::Python,
    Language::Go,
    Language::C,
    Language::TypeScript,
];

fn kind_of(i: usize) -> SymbolKind {
    match i % 13 {
        0 => SymbolKind::Trait,
        1..=3 => SymbolKind::Method,
        4 => SymbolKind::Interface,
        5 => SymbolKind::Struct,
        6 => SymbolKind::Constant,
        7 => SymbolKind::Macro,
        _ => SymbolKind::Function,
    }
}

fn name_of(i: usize) -> String {
    match i {
        _ if i % 97 == 8 => "main".into(),
        _ if i % 50 == 9 => "new".into(),
        _ if i % 41 == 10 => format!("test_case_{i}"),
        _ => format!("item_{i}"),
    }
}

fn file_of(i: usize) -> String {
    let module = MODULES[(i * 7) % MODULES.len()];
    let ext = ["rs", "py", "go", "c", "ts"][i % 5];
    match module {
        "." => format!("build{}.{ext}", i % 2),
        m => format!("{m}/file{}.{ext}", i % 4),
    }
}

fn module_of(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(".", |(dir, _)| dir)
        .to_string()
}

fn id_of(i: usize) -> SymbolId {
    SymbolId::from_parts(&[
        file_of(i).as_bytes(),
        name_of(i).as_bytes(),
        &i.to_le_bytes(),
    ])
}

fn sref(i: usize) -> SymbolRef {
    SymbolRef {
        id: id_of(i),
        qualified_name: format!("crate::{}::{}", module_of(&file_of(i)), name_of(i)),
    }
}

/// The `i`th of `n` symbols: templates from the fixture with a place,
/// name, kind, centrality and links of its own.
fn context(i: usize, n: usize, templates: &[SymbolContext]) -> SymbolContext {
    let mut c = templates[i % templates.len()].clone();
    let path = file_of(i);
    c.id = id_of(i);
    c.name = name_of(i);
    c.kind = kind_of(i);
    c.qualified_name = sref(i).qualified_name;
    c.module = module_of(&path);
    c.path = path;
    c.language = LANGUAGES[i % LANGUAGES.len()];
    // Ties: 23 values over every symbol, the top 5 % under 0.5 (so that
    // a hub is one by its rank, ties broken by id); some out of 0-1.
    c.centrality = match i % 23 {
        0 if i.is_multiple_of(230) => 1.7,
        1 => -0.3,
        k => k as f64 / 23.0 * 0.45,
    };
    c.visibility = [
        Visibility::Public,
        Visibility::Private,
        Visibility::Restricted,
    ][i % 3];
    c.role = match i {
        _ if i % 11 == 3 => FileRole::Test,
        _ if i % 17 == 4 => FileRole::Example,
        _ => FileRole::Source,
    };
    c.called_by_total = (i % 9) as u32;
    c.calls_total = (i % 4) as u32;
    c.called_by = (1..=(i % 4)).map(|k| sref((i + k * 31) % n)).collect();
    c.calls = (1..=(i % 3)).map(|k| sref((i + k * 17) % n)).collect();
    c.callers_may_be_unresolved = i.is_multiple_of(5);
    c.cluster = (i % 10 != 9).then(|| ClusterRef {
        id: format!("cluster-{:03}", i % LABELS.len()),
        label: LABELS[i % LABELS.len()].to_string(),
    });
    // Methods belong to a trait, an interface or a struct, before or
    // after them in id order.
    c.parent = (c.kind == SymbolKind::Method && n > 13).then(|| {
        let owner = (i / 13) * 13 + [0, 4, 5][i % 3];
        sref(owner % n)
    });
    c.loc = (i % 60) as u32;
    c
}

/// A multi-module repository of `n` symbols: contexts in id order,
/// modules (one without symbols; `tests` left out) and clusters.
fn repository(n: usize) -> (Vec<SymbolContext>, Vec<ModuleContext>, ClusterSet) {
    let templates = common::contexts();
    let mut contexts: Vec<SymbolContext> = (0..n).map(|i| context(i, n, &templates)).collect();
    contexts.sort_by(|a, b| a.id.cmp(&b.id));
    let mut files: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in &contexts {
        files
            .entry(c.module.clone())
            .or_default()
            .insert(c.path.clone());
    }
    files.entry("docs".into()).or_default();
    files.remove("tests");
    let paths: Vec<String> = files.keys().cloned().collect();
    let modules = files
        .into_iter()
        .enumerate()
        .map(|(k, (path, files))| {
            let members: Vec<&SymbolContext> =
                contexts.iter().filter(|c| c.module == path).collect();
            ModuleContext {
                id: format!("mod:{path}"),
                files: files.into_iter().collect(),
                languages: LANGUAGES[..1 + k % 3].to_vec(),
                symbols: members.len() as u32,
                top_symbols: members
                    .iter()
                    .take(4)
                    .map(|c| ScoredSymbol {
                        id: c.id.clone(),
                        qualified_name: c.qualified_name.clone(),
                        score: c.centrality,
                    })
                    .collect(),
                dependencies: paths.iter().skip(k + 1).take(k % 3).cloned().collect(),
                dependents: paths.iter().take(k % 2).cloned().collect(),
                afferent: 0,
                efferent: 0,
                instability: 0.0,
                path,
            }
        })
        .collect();
    let clusters = serde_json::from_value(serde_json::json!({
        "method": "communities",
        "k": LABELS.len(),
        "seed": 7,
        "clusters": LABELS.iter().enumerate().map(|(k, label)| {
            let top = contexts.iter().find(|c| c.cluster.as_ref().is_some_and(|r| r.label == *label));
            serde_json::json!({
                "id": format!("cluster-{k:03}"),
                "label": label,
                "terms": [],
                "size": (n / LABELS.len()) as u32 + 10 - k as u32,
                "members": [],
                "top_members": top.map(|c| vec![serde_json::json!({
                    "id": c.id, "qualified_name": c.qualified_name, "score": c.centrality
                })]).unwrap_or_default(),
            })
        }).collect::<Vec<_>>(),
    }))
    .unwrap();
    (contexts, modules, clusters)
}

fn jsonl(contexts: &[SymbolContext]) -> Vec<u8> {
    let mut lines = Vec::new();
    for c in contexts {
        lines.extend(serde_json::to_vec(c).unwrap());
        lines.push(b'\n');
    }
    lines
}

fn job_with(
    contexts_bytes: Vec<u8>,
    count: usize,
    modules: &[ModuleContext],
    clusters: &ClusterSet,
) -> (MemoryStore, JobState) {
    let store = MemoryStore::new();
    let job = JobId::new("job-stream").unwrap();
    let key = |name: &str| format!("jobs/{job}/assemble/{name}");
    let manifest = AssembleManifest {
        graph: key("graph.json"),
        clusters: key("clusters.json"),
        contexts: key("contexts.jsonl"),
        outline: key("outline.jsonl"),
        modules: key("modules.json"),
        symbol_count: count as u64,
        ..Default::default()
    };
    put_contexts(&store, &job, &contexts_bytes);
    doctown_store::put_json(&store, &manifest.modules, &modules).unwrap();
    doctown_store::put_json(&store, &manifest.clusters, clusters).unwrap();
    doctown_store::put_json(&store, &key("manifest.json"), &manifest).unwrap();
    let input = JobInput {
        source: "/src/kernel".into(),
        ..Default::default()
    };
    let state = JobState::new(job, input, "2026-01-01T00:00:00.000Z".into());
    (store, state)
}

use common::run_stage as run;

/// Stores a job's contexts and, as assemble writes it beside them, their
/// outline (a line that is not a context is copied as it is).
fn put_contexts(store: &MemoryStore, job: &JobId, contexts_bytes: &[u8]) {
    let key = |name: &str| format!("jobs/{job}/assemble/{name}");
    let mut outline = Vec::new();
    for line in contexts_bytes.split_inclusive(|b| *b == b'\n') {
        match serde_json::from_slice::<SymbolContext>(line) {
            Ok(c) => {
                serde_json::to_writer(&mut outline, &ContextOutline::from(&c)).unwrap();
                outline.push(b'\n');
            }
            Err(_) => outline.extend(line),
        }
    }
    store.put(&key("contexts.jsonl"), contexts_bytes).unwrap();
    store.put(&key("outline.jsonl"), &outline).unwrap();
}

fn artifact(store: &MemoryStore, job: &JobState, name: &str) -> Option<Vec<u8>> {
    store
        .get(&format!("jobs/{}/generate/{name}", job.job_id))
        .unwrap()
        .map(|o| o.bytes.to_vec())
}

/// Each event's type and payload (times and sequence numbers left out),
/// but the duration of the last.
fn payloads(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let mut payload = e.payload.clone();
            if let Some(map) = payload.as_object_mut() {
                map.remove("duration_ms");
            }
            format!("{} {:?} {payload}", e.event_type, e.status)
        })
        .collect()
}

/// Holds `bytes` against `tests/golden/stream/<name>.sha256`, the digest
/// of the docs reviewed when the stream replaced the in-memory writer
/// (whose bytes they were); `UPDATE_GOLDEN=1` writes it anew.
fn golden(name: &str, bytes: &[u8]) {
    use sha2::Digest;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/stream")
        .join(format!("{name}.sha256"));
    let digest = format!("{:x}\n", sha2::Sha256::digest(bytes));
    if let Some(dir) = std::env::var_os("GOLDEN_DUMP") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &digest).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        digest, expected,
        "{name}: the docs changed; review them (GOLDEN_DUMP=DIR writes them there) \
         and rerun with UPDATE_GOLDEN=1"
    );
}

#[test]
fn streamed_docs_are_the_reviewed_ones_and_contexts_out_of_order_are_refused() {
    for n in [0, 1, 40, 2_500] {
        let (contexts, modules, clusters) = repository(n);
        let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
        let handler = GenerateHandler::new(GenerateConfig::default());
        let (result, events) = run(&handler, &store, &job);
        result.unwrap();
        let docs = artifact(&store, &job, "docs.json").unwrap();
        golden(&format!("docs-{n}"), &docs);
        let symbol_events = payloads(&events)
            .iter()
            .filter(|e| e.starts_with("generation.symbol_documented"))
            .count();
        assert_eq!(symbol_events, n.min(1_000), "{n} symbols");
        // Out of id order (assemble writes the contexts in id order):
        // refused in one line, and nothing stored.
        if n > 1 {
            let mut reversed = contexts.clone();
            reversed.reverse();
            let (unsorted, unsorted_job) = job_with(jsonl(&reversed), n, &modules, &clusters);
            let failure = run(&handler, &unsorted, &unsorted_job).0.unwrap_err();
            assert!(
                failure.message.contains("outline.jsonl")
                    && failure.message.contains("not in id order"),
                "{}",
                failure.message
            );
            assert_eq!(artifact(&unsorted, &unsorted_job, "docs.json"), None);
        }
        if n == 2_500 {
            let parsed: GeneratedDocs = serde_json::from_slice(&docs).unwrap();
            assert_eq!(parsed.symbols.len(), n);
            assert_eq!(parsed.modules.len(), modules.len());
            assert!(!parsed.architecture.entry_points.is_empty());
            assert!(parsed
                .modules
                .iter()
                .any(|m| m.documentation.summary.contains("mostly about")));
            assert!(parsed
                .symbols
                .iter()
                .any(|s| s.documentation.summary.contains("required method of")));
        }
    }
}

/// The stream itself, without the handler: documented a block at a time
/// and serialised, against the handler's `docs.json`.
#[test]
fn the_docs_stream_in_blocks_of_any_size_writes_the_same_bytes() {
    let n = 700;
    let (contexts, modules, clusters) = repository(n);
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    let handler = GenerateHandler::new(GenerateConfig::default());
    run(&handler, &store, &job).0.unwrap();
    let expected = artifact(&store, &job, "docs.json").unwrap();
    let input = GenerateInput::load(&store, &job.job_id, "kernel").unwrap();
    let mut builder = IndexBuilder::default();
    for c in &contexts {
        builder.push(Outline {
            id: c.id.clone(),
            kind: c.kind,
            centrality: c.centrality,
        });
    }
    let index = builder.finish().unwrap();
    for block in [1, 3, 256, n] {
        let mut rest = contexts.iter().enumerate().peekable();
        let mut next = || {
            let items: Vec<Documented> = rest
                .by_ref()
                .take(block)
                .map(|(i, c)| document(&index, None, i, c.clone()))
                .collect();
            Ok((!items.is_empty()).then_some(items))
        };
        let mut seen = 0;
        let mut progress = |_| seen += 1;
        let stream = DocsStream::new(
            "kernel",
            &input.modules,
            &input.clusters,
            n as u64,
            &mut next,
            &mut progress,
        );
        let mut bytes = serde_json::to_vec_pretty(&stream).unwrap();
        bytes.push(b'\n');
        assert_eq!(stream.finish().unwrap(), n as u64);
        assert_eq!(bytes, expected, "blocks of {block}");
        assert_eq!(seen, n);
    }
}

#[test]
fn ids_out_of_order_or_twice_give_no_index() {
    let outline = |id: &str| Outline {
        id: SymbolId::from_raw(id),
        kind: SymbolKind::Function,
        centrality: 0.5,
    };
    let mut builder = IndexBuilder::default();
    builder.push(outline("sym_b"));
    builder.push(outline("sym_a"));
    assert!(builder.finish().is_none());
    let mut builder = IndexBuilder::default();
    builder.push(outline("sym_a"));
    builder.push(outline("sym_a"));
    assert!(builder.finish().is_none());
    let mut builder = IndexBuilder::default();
    builder.push(outline("sym_a"));
    builder.push(outline("sym_b"));
    let index = builder.finish().unwrap();
    // Equal centralities: the smaller id is the more central.
    assert_eq!(
        (index.rank(0), index.rank(1), index.rank(2)),
        (0.0, 0.5, 1.0)
    );
}

#[test]
fn a_bad_line_fails_naming_it_and_stores_no_docs() {
    // The bad line is in the second block: the first block's docs are
    // already on their way to the store when it is read.
    let n = 9_000;
    let (contexts, modules, clusters) = repository(n);
    let mut bytes = jsonl(&contexts[..8_500]);
    // (What the outline has of it reads; the context does not.)
    bytes.extend(br#"{"id":"sym_ffffffffffffffff","kind":"function","centrality":0.5,"path":"a.rs","module":"a","loc":1,"name":7}"#);
    bytes.push(b'\n');
    let (store, job) = job_with(bytes, n, &modules, &clusters);
    let handler = GenerateHandler::new(GenerateConfig::default());
    let failure = run(&handler, &store, &job).0.unwrap_err();
    assert!(failure.message.contains("line 8501"), "{}", failure.message);
    assert_eq!(artifact(&store, &job, "docs.json"), None);
    assert_eq!(artifact(&store, &job, "manifest.json"), None);
    // A line that is not JSON at all fails the first pass.
    let mut bytes = jsonl(&contexts[..3]);
    bytes.extend(b"{not json\n");
    let (store, job) = job_with(bytes, 4, &modules, &clusters);
    let failure = run(&handler, &store, &job).0.unwrap_err();
    assert!(failure.message.contains("line 4"), "{}", failure.message);
    assert_eq!(artifact(&store, &job, "docs.json"), None);
    // Clusters whose size is not a number.
    let (store, job) = job_with(jsonl(&contexts[..3]), 3, &modules, &clusters);
    let key = format!("jobs/{}/assemble/clusters.json", job.job_id);
    let broken = String::from_utf8(store.get(&key).unwrap().unwrap().bytes.to_vec())
        .unwrap()
        .replacen("\"size\": ", "\"size\": \"many\", \"was\": ", 1);
    store.put(&key, broken.as_bytes()).unwrap();
    let failure = run(&handler, &store, &job).0.unwrap_err();
    assert!(
        failure.message.contains("clusters.json"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("invalid type"),
        "{}",
        failure.message
    );
    assert_eq!(artifact(&store, &job, "docs.json"), None);
}

/// Adds an outline (what assemble writes beside the contexts) to a job's
/// assemble manifest.
fn add_outline(store: &MemoryStore, job: &JobState, outline: &[SymbolContext]) {
    let key = |name: &str| format!("jobs/{}/assemble/{name}", job.job_id);
    let mut lines = Vec::new();
    for c in outline {
        serde_json::to_writer(&mut lines, &ContextOutline::from(c)).unwrap();
        lines.push(b'\n');
    }
    store.put(&key("outline.jsonl"), &lines).unwrap();
    let mut manifest: AssembleManifest =
        serde_json::from_slice(&store.get(&key("manifest.json")).unwrap().unwrap().bytes).unwrap();
    manifest.outline = key("outline.jsonl");
    doctown_store::put_json(store, &key("manifest.json"), &manifest).unwrap();
}

#[test]
fn the_first_pass_reads_the_outline() {
    let n = 2_500;
    let (contexts, modules, clusters) = repository(n);
    let handler = GenerateHandler::new(GenerateConfig::default());
    // An outline of other symbols, or of fewer, is refused and no docs
    // are stored: it is what the first pass read.
    let mut other = contexts.clone();
    other[1_000].id = id_of(n + 7);
    other.sort_by(|a, b| a.id.cmp(&b.id));
    for outline in [other, contexts[..n - 1].to_vec()] {
        let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
        add_outline(&store, &job, &outline);
        let failure = run(&handler, &store, &job).0.unwrap_err();
        assert!(
            failure.message.contains("outline.jsonl") || failure.message.contains("symbols read"),
            "{}",
            failure.message
        );
        assert_eq!(artifact(&store, &job, "docs.json"), None);
    }
}

#[test]
fn with_a_model_configured_the_model_writes_the_summaries() {
    let server = ScriptServer::start(|_, r| answer_all(r, 100, 10));
    let n = 120;
    let (contexts, modules, clusters) = repository(n);
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    let config = GenerateConfig {
        backend: Backend::OpenAi,
        base_url: Some(server.base_url.clone()),
        api_key: Some("test-key".into()),
        trivial_to_facts: false,
        budget_per_file_usd: None,
        ..Default::default()
    };
    let handler = GenerateHandler::new(config);
    run(&handler, &store, &job).0.unwrap();
    let docs: GeneratedDocs =
        serde_json::from_slice(&artifact(&store, &job, "docs.json").unwrap()).unwrap();
    assert_eq!(docs.symbols.len(), n);
    assert!(docs
        .symbols
        .iter()
        .all(|s| s.documentation.source == DocSource::Model));
    assert!(!server.requests().is_empty());
}

/// A model whose every second request fails: the symbols it answered
/// carry its summaries, the others keep their facts summaries (those of a
/// run without a model) with the reason; the overviews are laid over too.
#[test]
fn a_models_answers_and_failures_are_laid_over_the_facts() {
    let server = ScriptServer::start(|n, r| match n % 2 {
        0 => answer_all(r, 100, 10),
        _ => error(503, "overloaded", vec![]),
    });
    let n = 120;
    let (contexts, modules, clusters) = repository(n);
    let (facts_store, facts_job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    let handler = GenerateHandler::new(GenerateConfig::default());
    run(&handler, &facts_store, &facts_job).0.unwrap();
    let facts: GeneratedDocs =
        serde_json::from_slice(&artifact(&facts_store, &facts_job, "docs.json").unwrap()).unwrap();
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    let config = GenerateConfig {
        backend: Backend::OpenAi,
        base_url: Some(server.base_url.clone()),
        api_key: Some("test-key".into()),
        trivial_to_facts: false,
        budget_per_file_usd: None,
        overviews: true,
        attempts: 1,
        max_batch_items: 10,
        ..Default::default()
    };
    let output = run(&GenerateHandler::new(config), &store, &job).0.unwrap();
    assert_eq!(output.status, doctown_core::StageStatus::Partial);
    let docs: GeneratedDocs =
        serde_json::from_slice(&artifact(&store, &job, "docs.json").unwrap()).unwrap();
    let (mut answered, mut failed) = (0, 0);
    for (doc, fact) in docs.symbols.iter().zip(&facts.symbols) {
        assert_eq!(doc.id, fact.id);
        match doc.documentation.source {
            DocSource::Model => {
                answered += 1;
                assert_ne!(doc.documentation.summary, fact.documentation.summary);
                assert!(doc.documentation.model.is_some() && doc.documentation.error.is_none());
            }
            DocSource::Facts => {
                failed += 1;
                assert_eq!(doc.documentation.summary, fact.documentation.summary);
                let error = doc.documentation.error.as_deref().unwrap_or_default();
                assert!(error.contains("503"), "{error:?}");
            }
        }
    }
    assert!(
        answered > 0 && failed > 0,
        "{answered} answered, {failed} failed"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&artifact(&store, &job, "manifest.json").unwrap()).unwrap();
    assert_eq!(manifest["from_model"], answered);
    assert_eq!(manifest["failed"], failed);
    let settled =
        |d: &doctown_generate::Documentation| d.source == DocSource::Model || d.error.is_some();
    assert!(docs.modules.iter().all(|m| settled(&m.documentation)));
    assert!(settled(&docs.architecture.documentation));
    assert_eq!(docs.architecture.main_parts, facts.architecture.main_parts);
}

fn time(day: usize) -> String {
    format!("2024-03-{:02}T10:00:00Z", day % 28 + 1)
}

/// A history of the repository: every file but one alive, every fifth
/// symbol with a history of its own, coupled files and symbols, owners,
/// and more file hotspots than the insights name.
fn history_of(contexts: &[SymbolContext]) -> serde_json::Value {
    use serde_json::json;
    let paths: BTreeSet<&str> = contexts.iter().map(|c| c.path.as_str()).collect();
    let paths: Vec<&str> = paths.into_iter().collect();
    let authors = ["ada@example.com", "bo@example.com", "cy@example.com"];
    let files: Vec<_> = paths
        .iter()
        .enumerate()
        .map(|(k, p)| {
            json!({"path": p, "language": "rust", "alive": k != 1, "lines": 10 * k + 5,
                   "commits": k % 7 + 1, "added": 40, "removed": 2, "authors": k % 3 + 1,
                   "binary": false, "first_change": time(k), "last_change": time(k + 3)})
        })
        .collect();
    let symbols: Vec<_> = contexts
        .iter()
        .enumerate()
        .filter(|(i, _)| i.is_multiple_of(5))
        .map(|(i, c)| {
            json!({"path": c.path, "name": c.name, "id": c.id, "kind": "function",
                   "alive": !i.is_multiple_of(25), "commits": i % 9 + 1, "authors": i % 2 + 1,
                   "added": 10, "removed": 1, "first_change": time(i), "last_change": time(i + 2),
                   "age_days": 2})
        })
        .collect();
    let file_pairs: Vec<_> = paths
        .windows(2)
        .map(|w| {
            json!({"a": w[0], "b": w[1], "support": 4, "confidence_a": 0.8,
                   "confidence_b": 0.6, "degree": 0.7})
        })
        .collect();
    let symbol_pairs: Vec<_> = contexts
        .windows(2)
        .step_by(7)
        .map(|w| {
            json!({"a": format!("{}#{}", w[0].path, w[0].name),
                   "b": format!("{}#{}", w[1].path, w[1].name), "support": 3,
                   "confidence_a": 0.75, "confidence_b": 0.5, "degree": 0.6})
        })
        .collect();
    let owned: Vec<_> = paths
        .iter()
        .enumerate()
        .map(|(k, p)| {
            json!({"path": p, "authors": k % 3 + 1, "main_author": authors[k % 3],
                   "main_share": 0.5 + (k % 5) as f64 / 10.0, "doa_authors": [authors[k % 3]]})
        })
        .collect();
    let module_paths: BTreeSet<String> = contexts.iter().map(|c| c.module.clone()).collect();
    let owned_modules: Vec<_> = module_paths
        .iter()
        .enumerate()
        .map(|(k, m)| {
            json!({"path": m, "files": k + 1, "authors": 2, "main_author": authors[k % 3],
                   "main_share": 0.6, "truck_factor": 1, "truck_authors": [authors[k % 3]]})
        })
        .collect();
    let module_commits: Vec<_> = module_paths
        .iter()
        .enumerate()
        .map(|(k, m)| json!({"path": m, "commits": k + 2}))
        .collect();
    let hot: Vec<_> = paths
        .iter()
        .rev()
        .take(16)
        .enumerate()
        .map(|(k, p)| {
            json!({"name": p, "score": 400.0 - k as f64, "commits": 20 - k,
                   "complexity": 9.0, "centrality": 0.5})
        })
        .collect();
    json!({
        "format": "doctown-history", "version": 1,
        "summary": {"commits": 40, "merges": 0, "authors": 3, "files": paths.len(),
                    "shallow": false, "boundary_commits": 0, "first_parent": false,
                    "truncated": false, "symbols": true},
        "authors": authors.iter().map(|a| json!({"key": a, "name": a.split('@').next(),
            "commits": 10, "added": 50, "removed": 5, "first_commit": time(1),
            "last_commit": time(20)})).collect::<Vec<_>>(),
        "files": files,
        "symbols": symbols,
        "coupling": {"min_support": 2, "min_revisions": 2, "min_degree": 0.3,
                     "max_changeset": 30, "skipped_commits": 0,
                     "files": file_pairs, "symbols": symbol_pairs},
        "ownership": {"module_depth": 2, "modules": owned_modules, "files": owned},
        "modules": module_commits,
        "hotspots": {"basis": "lines", "limit": 50, "symbols": [], "modules": [], "files": hot},
        "timeline": []
    })
}

fn add_history(store: &MemoryStore, job: &JobState, history: &serde_json::Value) {
    let key = |name: &str| format!("jobs/{}/ingest/{name}", job.job_id);
    let manifest = serde_json::json!({"chunk_shards": [], "chunk_index": [], "symbols": key("symbols.jsonl"),
        "files": key("files.jsonl"), "skipped": key("skipped.jsonl"), "chunk_count": 0,
        "symbol_count": 0, "file_count": 0, "history": key("history.json")});
    store
        .put(&key("history.json"), history.to_string().as_bytes())
        .unwrap();
    store
        .put(&key("manifest.json"), manifest.to_string().as_bytes())
        .unwrap();
}

#[test]
fn with_a_history_the_streamed_docs_and_insights_are_the_reviewed_ones() {
    let n = 3_000;
    let (contexts, modules, clusters) = repository(n);
    let history = history_of(&contexts);
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    add_history(&store, &job, &history);
    let handler = GenerateHandler::new(GenerateConfig::default());
    run(&handler, &store, &job).0.unwrap();
    let docs = artifact(&store, &job, "docs.json").unwrap();
    golden("docs-history-3000", &docs);
    let parsed: GeneratedDocs = serde_json::from_slice(&docs).unwrap();
    let families: Vec<&str> = parsed.insights.iter().map(|i| i.family.as_str()).collect();
    assert_eq!(
        families,
        ["risk_hotspots", "reading_order", "module_health"]
    );
    let said = |what: &str| {
        parsed
            .symbols
            .iter()
            .filter(|s| s.documentation.summary.contains(what))
            .count()
    };
    assert!(said("It changed in") > 100, "symbols' own histories");
    assert!(said("Its file `") > 10, "files' histories, on their leads");
}

/// `docs.json` of a cold run (a store without a memo) for `contexts` and
/// `history`: what a run recalling from a memo must write.
fn reference_docs(
    contexts: &[SymbolContext],
    modules: &[ModuleContext],
    clusters: &ClusterSet,
    history: Option<&serde_json::Value>,
) -> String {
    let (store, job) = job_with(jsonl(contexts), contexts.len(), modules, clusters);
    if let Some(history) = history {
        add_history(&store, &job, history);
    }
    let (result, _) = run(
        &GenerateHandler::new(GenerateConfig::default()),
        &store,
        &job,
    );
    result.unwrap();
    String::from_utf8(artifact(&store, &job, "docs.json").unwrap()).unwrap()
}

/// Replaces the job's contexts (and runs the stage again): its `docs.json`.
fn rerun(store: &MemoryStore, job: &JobState, contexts: &[SymbolContext]) -> String {
    put_contexts(store, &job.job_id, &jsonl(contexts));
    let (result, _) = run(&GenerateHandler::new(GenerateConfig::default()), store, job);
    result.unwrap();
    String::from_utf8(artifact(store, job, "docs.json").unwrap()).unwrap()
}

/// The source's memo of summaries: its key and bytes (an entry of the
/// one memo: a header line, the records, a checksum).
fn memo_of(store: &MemoryStore) -> (String, Vec<u8>) {
    let keys = store.list("cache/generate/").unwrap();
    assert_eq!(keys.len(), 1, "one memo per source: {keys:?}");
    let bytes = store.get(&keys[0]).unwrap().unwrap().bytes.to_vec();
    (keys[0].clone(), bytes)
}

/// A memo entry's bytes with `header_and_records`, and the checksum they
/// should have (XXH3-128): what a build would have written.
fn sealed(header_and_records: Vec<u8>) -> Vec<u8> {
    let sum = twox_hash::XxHash3_128::oneshot(&header_and_records);
    [header_and_records, sum.to_le_bytes().to_vec()].concat()
}

/// A memo's header line and records (each with its length).
fn records(memo: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let end = memo.iter().position(|b| *b == b'\n').unwrap() + 1;
    let (header, rest) = memo.split_at(end);
    let mut rest = &rest[..rest.len() - 16];
    let mut records = Vec::new();
    while !rest.is_empty() {
        let len = 4 + u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        records.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    (header.to_vec(), records)
}

/// The summary `docs` gives symbol `id`.
fn summary_in(docs: &str, id: &SymbolId) -> String {
    let docs: GeneratedDocs = serde_json::from_str(docs).unwrap();
    let doc = docs.symbols.iter().find(|s| s.id == *id).unwrap();
    doc.documentation.summary.clone()
}

/// Plants in the memo the first occurrence of `summary` in capitals
/// (as long: the records' lengths hold); returns what was planted.
fn plant(store: &MemoryStore, summary: &str) -> String {
    let (key, memo) = memo_of(store);
    let mut memo = memo[..memo.len() - 16].to_vec();
    let planted = summary.to_ascii_uppercase();
    assert_ne!(planted, summary);
    let at = memo
        .windows(summary.len())
        .position(|w| w == summary.as_bytes())
        .unwrap();
    memo[at..at + summary.len()].copy_from_slice(planted.as_bytes());
    store.put(&key, &sealed(memo)).unwrap();
    planted
}

#[test]
fn a_rerun_recalls_unchanged_symbols_from_the_memo() {
    let n = 1_200;
    let (contexts, modules, clusters) = repository(n);
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    let cold = rerun(&store, &job, &contexts);
    let (_, memo) = memo_of(&store);
    assert_eq!(records(&memo).1.len(), n, "a record per symbol");
    // A summary planted in the memo is what a rerun writes: it was
    // recalled, not written again; and it is kept for the next run.
    let summary = summary_in(&cold, &contexts[7].id);
    let planted = plant(&store, &summary);
    for _ in 0..2 {
        let recalled = rerun(&store, &job, &contexts);
        assert!(recalled.contains(&planted));
        assert_eq!(recalled.replace(&planted, &summary), cold);
    }
    // Unless its line changed.
    let mut edited = contexts.clone();
    edited[7].called_by_total += 1;
    let docs = rerun(&store, &job, &edited);
    assert!(!docs.contains(&planted));
    assert_eq!(docs, reference_docs(&edited, &modules, &clusters, None));
}

/// Symbols whose lines did not change but whose summaries did: a parent
/// that stopped being a trait, ranks that crossed the hubs' threshold —
/// and edited, added and removed symbols. The run with the memo writes
/// the bytes of a run without one.
#[test]
fn a_rerun_after_changes_writes_what_a_cold_run_writes() {
    let n = 2_600;
    let (contexts, modules, clusters) = repository(n);
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    rerun(&store, &job, &contexts);
    let mut changed = contexts.clone();
    // Traits become structs: their methods' lines stay as they were.
    let traits: Vec<SymbolId> = changed
        .iter_mut()
        .filter(|c| c.kind == SymbolKind::Trait)
        .take(20)
        .map(|c| {
            c.kind = SymbolKind::Struct;
            c.id.clone()
        })
        .collect();
    assert!(contexts
        .iter()
        .any(|c| c.parent.as_ref().is_some_and(|p| traits.contains(&p.id))));
    // A tenth of the symbols more central than any: the top ranks move.
    for c in changed.iter_mut().step_by(10) {
        c.centrality = 0.49;
    }
    changed[3].signature.push_str(" -> Changed");
    changed.remove(11);
    let mut added = changed[40].clone();
    added.id = SymbolId::from_raw(format!("{}0", changed[40].id));
    changed.insert(41, added);
    let (store_b, job_b) = job_with(jsonl(&contexts), n, &modules, &clusters);
    rerun(&store_b, &job_b, &contexts);
    let docs = rerun(&store_b, &job_b, &changed);
    assert_eq!(docs, reference_docs(&changed, &modules, &clusters, None));
    // And back: every summary the change touched is written again.
    assert_eq!(
        rerun(&store_b, &job_b, &contexts),
        reference_docs(&contexts, &modules, &clusters, None)
    );
}

#[test]
fn with_a_history_a_rerun_recalls_only_what_the_history_says_the_same_of() {
    let n = 1_500;
    let (contexts, modules, clusters) = repository(n);
    let history = history_of(&contexts);
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    add_history(&store, &job, &history);
    let cold = rerun(&store, &job, &contexts);
    assert_eq!(
        cold,
        reference_docs(&contexts, &modules, &clusters, Some(&history))
    );
    // The insights read recalled symbols' facts again, and a file's
    // lead that changed documents its symbols again.
    let mut changed = contexts.clone();
    for c in changed.iter_mut().step_by(7) {
        c.centrality = 0.44;
    }
    let docs = rerun(&store, &job, &changed);
    assert_eq!(
        docs,
        reference_docs(&changed, &modules, &clusters, Some(&history))
    );
    // Another history, in which one symbol (the 5th, the history's
    // second) changed once more: its summary is written again (the one
    // planted for it is not recalled), the others' are recalled (a
    // planted one is), and the rest is what a cold run writes.
    let (moved, still) = (&contexts[5].id, &contexts[7].id);
    let planted_moved = plant(&store, &summary_in(&docs, moved));
    let planted_still = plant(&store, &summary_in(&docs, still));
    let mut later = history.clone();
    assert_eq!(later["symbols"][1]["id"], serde_json::json!(moved));
    later["symbols"][1]["commits"] = serde_json::json!(99);
    add_history(&store, &job, &later);
    let docs = rerun(&store, &job, &changed);
    assert!(!docs.contains(&planted_moved));
    assert!(docs.contains(&planted_still));
    let reference = reference_docs(&changed, &modules, &clusters, Some(&later));
    assert_ne!(summary_in(&reference, moved), summary_in(&cold, moved));
    assert_eq!(
        docs.replace(&planted_still, &summary_in(&reference, still)),
        reference
    );
}

#[test]
fn a_damaged_or_foreign_memo_is_not_read() {
    let n = 600;
    let (contexts, modules, clusters) = repository(n);
    let (store, job) = job_with(jsonl(&contexts), n, &modules, &clusters);
    let cold = rerun(&store, &job, &contexts);
    let (key, memo) = memo_of(&store);
    let (header, body) = records(&memo);
    let with = |records: Vec<Vec<u8>>| sealed([header.clone(), records.concat()].concat());
    let header_text = String::from_utf8(header.clone()).unwrap();
    let words: Vec<&str> = header_text.split(' ').collect();
    let summary = summary_in(&cold, &contexts[7].id);
    let at = memo
        .windows(summary.len())
        .position(|w| w == summary.as_bytes())
        .unwrap();
    let damaged = [
        // Cut mid-record.
        memo[..memo.len() / 2].to_vec(),
        // A summary changed, the checksum not: nothing of it is used.
        [
            &memo[..at],
            summary.to_ascii_uppercase().as_bytes(),
            &memo[at + summary.len()..],
        ]
        .concat(),
        // Another build's.
        sealed(
            [
                format!(
                    "{} {} {} other-build {}",
                    words[0], words[1], words[2], words[4]
                )
                .as_bytes(),
                &body.concat(),
            ]
            .concat(),
        ),
        // Records that do not read: another symbol kind, a huge length.
        with(
            body.iter()
                .map(|r| replace_all(r, b"function", b"functiom"))
                .collect(),
        ),
        with(
            body.iter()
                .map(|r| [&[0xff, 0xff, 0xff, 0x7f][..], &r[4..]].concat())
                .collect(),
        ),
        // Records out of order, and nothing at all.
        with(body.iter().rev().cloned().collect()),
        Vec::new(),
    ];
    for (k, bytes) in damaged.iter().enumerate() {
        store.put(&key, bytes).unwrap();
        assert_eq!(rerun(&store, &job, &contexts), cold, "damage {k}");
        let (_, rewritten) = memo_of(&store);
        assert_eq!(rewritten, memo, "damage {k}: the memo is written anew");
    }
}

/// `bytes` with every `from` replaced by `to` (as long).
fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut at = 0;
    while let Some(i) = out[at..].windows(from.len()).position(|w| w == from) {
        out[at + i..at + i + from.len()].copy_from_slice(to);
        at += i + from.len();
    }
    out
}
