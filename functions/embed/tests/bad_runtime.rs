//! A missing or wrong ONNX Runtime library gives a clear error naming the
//! expected version. This file is its own test process, and nothing in it
//! loads a working runtime (once loaded, a runtime stays for the process).

use doctown_core::ErrorKind;
use doctown_embed::{EmbedConfig, EmbedError, Embedder};

/// A model directory whose files exist (the runtime is checked first).
fn config_with_runtime(dir: &tempfile::TempDir, lib_name: &str, lib: Option<&[u8]>) -> EmbedConfig {
    std::fs::write(dir.path().join("model.onnx"), b"x").unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), b"{}").unwrap();
    let runtime_lib = dir.path().join(lib_name);
    if let Some(bytes) = lib {
        std::fs::write(&runtime_lib, bytes).unwrap();
    }
    EmbedConfig {
        model_dir: dir.path().into(),
        runtime_lib,
        model_sha256: None,
        ..EmbedConfig::default()
    }
}

fn load_err(config: &EmbedConfig) -> EmbedError {
    match Embedder::load(config) {
        Ok(_) => panic!("loaded with a bad runtime"),
        Err(e) => e,
    }
}

#[test]
fn missing_runtime_names_version_and_fetch_command() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_err(&config_with_runtime(&dir, "libonnxruntime.so.1.31.1", None));
    assert!(matches!(err, EmbedError::RuntimeMissing { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("1.31") && message.contains("scripts/fetch-model.sh"),
        "{message}"
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn runtime_of_another_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_err(&config_with_runtime(
        &dir,
        "libonnxruntime.so.1.20.1",
        Some(b"\x7fELF"),
    ));
    assert!(
        matches!(err, EmbedError::RuntimeVersion { ref found, .. } if found == "1.20.1"),
        "{err}"
    );
    assert!(err.to_string().contains("expected 1.31.x"), "{err}");
}

#[test]
fn a_file_that_is_not_a_library_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_err(&config_with_runtime(
        &dir,
        "libonnxruntime.so.1.31.1",
        Some(b"not a shared object"),
    ));
    assert!(matches!(err, EmbedError::RuntimeLoad { .. }), "{err}");
    assert!(err.to_string().contains("expected 1.31.x"), "{err}");
}
