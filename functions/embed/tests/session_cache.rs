//! The optimised model kept between loads (`doctown_embed::session_cache`):
//! a session made from it embeds the same bits as one optimised at load,
//! and a damaged entry is never used.

mod common;

use doctown_embed::session_cache::CachedModel;
use doctown_embed::{BatchPlan, EmbedConfig, Embedder};
use std::path::Path;

/// Real code: the parity fixture's snippets.
fn texts() -> Vec<String> {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/parity_reference.json")).unwrap();
    fixture["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect()
}

fn load(config: &EmbedConfig) -> Embedder {
    Embedder::load(config).unwrap_or_else(|e| {
        panic!("{e}\nthis test needs the model and runtime: run scripts/fetch-model.sh first")
    })
}

/// Every vector's bits, batched as the stage batches.
fn bits(model: &Embedder, texts: &[String]) -> Vec<Vec<u32>> {
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let plan = BatchPlan {
        min_batch: 4,
        max_batch: 16,
        token_budget: 4096,
    };
    model
        .embed(&texts, &plan)
        .unwrap()
        .iter()
        .map(|v| v.iter().map(|x| x.to_bits()).collect())
        .collect()
}

fn with_cache(dir: &Path) -> EmbedConfig {
    EmbedConfig {
        session_cache: Some(dir.to_path_buf()),
        ..common::config()
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn the_kept_optimised_model_embeds_the_same_bits() {
    let dir = tempfile::tempdir().unwrap();
    let texts = texts();
    assert!(texts.len() >= 20);
    let optimised_here = load(&EmbedConfig {
        session_cache: None,
        ..common::config()
    });
    assert!(!optimised_here.session_from_cache());
    let expected = bits(&optimised_here, &texts);

    let writer = load(&with_cache(dir.path()));
    assert!(!writer.session_from_cache(), "nothing was kept yet");
    let kept = entries(dir.path());
    assert_eq!(kept.len(), 1, "one entry and nothing staged: {kept:?}");
    assert!(kept[0].ends_with(".onnx"), "{kept:?}");
    assert_eq!(bits(&writer, &texts), expected);

    let reader = load(&with_cache(dir.path()));
    assert!(reader.session_from_cache());
    assert_eq!(reader.dims(), 384);
    assert_eq!(bits(&reader, &texts), expected);
    assert_eq!(entries(dir.path()), kept);

    // On the CPU every session runs one thread (one lane a core): another
    // thread count makes the same sessions, from the same entry.
    let one_thread = load(&EmbedConfig {
        intra_threads: 1,
        ..with_cache(dir.path())
    });
    assert!(one_thread.session_from_cache());
    assert_eq!(bits(&one_thread, &texts), expected);
    assert_eq!(entries(dir.path()), kept);
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_damaged_entry_is_optimised_again_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let config = with_cache(dir.path());
    let texts = texts();
    let expected = bits(&load(&config), &texts);
    // Each of the CPU's sessions runs one thread: its entry is keyed so.
    let session_config = EmbedConfig {
        intra_threads: 1,
        ..config.clone()
    };
    let cached = CachedModel::for_config(&session_config, &config.model_path())
        .expect("an entry on this machine");
    let entry = cached.find().expect("the first load kept an entry").path;
    let whole = std::fs::read(&entry).unwrap();

    // A byte flipped in the model: the digest says so.
    let mut flipped = whole.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    // Cut short, and empty.
    let short = whole[..whole.len() / 3].to_vec();
    for (what, bytes) in [
        ("a flipped byte", flipped),
        ("an entry cut short", short),
        ("an empty entry", Vec::new()),
    ] {
        std::fs::write(&entry, &bytes).unwrap();
        let model = load(&config);
        assert!(!model.session_from_cache(), "{what} was used");
        assert_eq!(bits(&model, &texts), expected, "{what}");
        // The load kept a whole entry again, which the next load uses.
        assert_eq!(
            entries(dir.path()),
            [entry.file_name().unwrap().to_string_lossy()]
        );
        assert!(load(&config).session_from_cache(), "{what}: not replaced");
    }

    // A model that is not one, named by its own digest: the runtime
    // refuses it, and the key is given up (every load would only write
    // it again).
    std::fs::remove_file(&entry).unwrap();
    let garbage = b"not an onnx model".to_vec();
    let refused = cached.stem().with_file_name(format!(
        "{}-{}.onnx",
        cached.stem().file_name().unwrap().to_string_lossy(),
        blake3::hash(&garbage).to_hex()
    ));
    std::fs::write(&refused, &garbage).unwrap();
    let model = load(&config);
    assert!(!model.session_from_cache());
    assert_eq!(bits(&model, &texts), expected);
    assert!(cached.is_refused());
    let model = load(&config);
    assert!(!model.session_from_cache());
    let left = entries(dir.path());
    assert!(
        left.iter().all(|name| name.ends_with(".refused")),
        "{left:?}"
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn an_unwritable_cache_only_costs_the_optimisation() {
    let dir = tempfile::tempdir().unwrap();
    // The cache's directory is a file: nothing can be kept there.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, b"").unwrap();
    let config = with_cache(&blocked);
    let model = load(&config);
    assert!(!model.session_from_cache());
    assert!(!load(&config).session_from_cache());
    assert_eq!(std::fs::read(&blocked).unwrap(), b"");
}
