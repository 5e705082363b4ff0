//! A missing, damaged or foreign model gives a clear one-line error, never a panic.

mod common;

use doctown_core::ErrorKind;
use doctown_embed::{EmbedConfig, EmbedError, Embedder};
use std::path::Path;

fn model_dir_with(model: &[u8], tokenizer: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.onnx"), model).unwrap();
    match tokenizer {
        Some(t) => std::fs::copy(t, dir.path().join("tokenizer.json"))
            .map(drop)
            .unwrap(),
        None => std::fs::write(dir.path().join("tokenizer.json"), b"{ not json").unwrap(),
    }
    dir
}

fn load_err(config: &EmbedConfig) -> EmbedError {
    match Embedder::load(config) {
        Ok(_) => panic!("a bad model was loaded"),
        Err(e) => e,
    }
}

#[test]
fn missing_model_directory_names_the_fetch_command() {
    let config = EmbedConfig {
        model_dir: "/nonexistent/doctown/model".into(),
        ..common::config()
    };
    let err = load_err(&config);
    assert!(matches!(err, EmbedError::ModelMissing { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("scripts/fetch-model.sh") && !message.contains('\n'),
        "{message}"
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn wrong_checksum_is_refused() {
    common::embedder();
    let config = common::config();
    let dir = model_dir_with(b"definitely not the model", Some(&config.tokenizer_path()));
    let err = load_err(&EmbedConfig {
        model_dir: dir.path().into(),
        ..config
    });
    assert!(matches!(err, EmbedError::ModelChecksum { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(doctown_embed::config::DEFAULT_MODEL_SHA256),
        "{err}"
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_file_that_is_not_onnx_is_refused() {
    common::embedder();
    let config = common::config();
    let dir = model_dir_with(b"\x08\x07garbage protobuf", Some(&config.tokenizer_path()));
    let config = EmbedConfig {
        model_dir: dir.path().into(),
        model_sha256: None,
        model_id: "other".into(),
        ..config
    };
    let err = load_err(&config);
    assert!(matches!(err, EmbedError::InvalidModel { .. }), "{err}");
    assert!(
        err.to_string().contains("is not a usable ONNX model"),
        "{err}"
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_broken_tokenizer_is_refused() {
    common::embedder();
    let config = common::config();
    let model = std::fs::read(config.model_path()).unwrap();
    let dir = model_dir_with(&model, None);
    let err = load_err(&EmbedConfig {
        model_dir: dir.path().into(),
        ..config
    });
    assert!(matches!(err, EmbedError::Tokenizer { .. }), "{err}");
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_wrong_output_name_is_refused() {
    common::embedder();
    let config = EmbedConfig {
        output_name: Some("pooler_output".into()),
        ..common::config()
    };
    let err = load_err(&config);
    assert!(
        err.to_string().contains("no output \"pooler_output\""),
        "{err}"
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_gpu_that_cannot_be_used_fails_loudly_instead_of_embedding_on_the_cpu() {
    // The CPU build of ONNX Runtime (what fetch-model.sh installs) has no
    // CUDA provider, and a build without `cuda` has no GPU path at all:
    // either way, asking for the GPU must fail, not fall back.
    common::embedder();
    let config = EmbedConfig {
        use_gpu: true,
        ..common::config()
    };
    let err = load_err(&config);
    assert!(matches!(err, EmbedError::GpuUnavailable(_)), "{err}");
    assert!(err.to_string().contains("DOCTOWN_EMBED_GPU"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Internal);
}
