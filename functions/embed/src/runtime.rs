//! The ONNX Runtime environment: one per process, loaded dynamically from
//! `libonnxruntime.so.1.31.x` with `ort::init_from`.
//!
//! The library path is checked before it is loaded, so that a missing file
//! or one of another version gives a clear error rather than a loader
//! message: the file must exist, a versioned file name must say 1.31, and
//! the version ONNX Runtime reports must be 1.31 too. Once loaded, the
//! library stays for the life of the process; a later request for another
//! path is answered with the loaded one and a warning.

use crate::config::{EmbedConfig, ORT_VERSION};
use crate::error::EmbedError;
use ort::environment::Environment;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

struct Loaded {
    path: PathBuf,
    environment: Environment,
}

static RUNTIME: Mutex<Option<Loaded>> = Mutex::new(None);

/// The expected minor version of ONNX Runtime (`1.<minor>.x`).
fn expected_minor() -> &'static str {
    ORT_VERSION.split('.').nth(1).unwrap_or("31")
}

/// The `1.N.M` version in a file name such as `libonnxruntime.so.1.31.1`.
fn version_in_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let (_, version) = name
        .split_once(".so.")
        .or_else(|| name.split_once("onnxruntime."))?;
    let version = version.trim_end_matches(".dylib").trim_end_matches(".dll");
    (version.split('.').count() >= 2 && version.split('.').all(|p| p.parse::<u32>().is_ok()))
        .then(|| version.to_string())
}

/// A version (`1.N.M`) in ONNX Runtime's build-info string, when it names one.
fn version_in_build_info(info: &str) -> Option<String> {
    let start = info.find("rel-")? + 4;
    let version: String = info[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (version.split('.').count() >= 2).then_some(version)
}

fn check_minor(path: &Path, version: &str) -> Result<(), EmbedError> {
    let mut parts = version.split('.');
    if parts.next() != Some("1") || parts.next() != Some(expected_minor()) {
        return Err(EmbedError::RuntimeVersion {
            path: path.to_path_buf(),
            found: version.to_string(),
        });
    }
    Ok(())
}

/// Checks a runtime library path without loading it.
pub fn check_runtime_path(path: &Path) -> Result<PathBuf, EmbedError> {
    if !path.is_file() {
        return Err(EmbedError::RuntimeMissing {
            path: path.to_path_buf(),
        });
    }
    if let Some(version) = version_in_file_name(path) {
        check_minor(path, &version)?;
    }
    std::path::absolute(path)
        .map_err(|e| EmbedError::io(format!("resolving {}", path.display()), e))
}

/// The runtime library this process loaded, once one is.
pub fn loaded_path() -> Option<PathBuf> {
    RUNTIME
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|loaded| loaded.path.clone())
}

/// The process's ONNX Runtime environment, loading the library on first use.
pub fn environment(config: &EmbedConfig) -> Result<Environment, EmbedError> {
    let mut runtime = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(loaded) = runtime.as_ref() {
        if std::path::absolute(&config.runtime_lib).ok().as_deref() != Some(loaded.path.as_path()) {
            tracing::warn!(
                requested = %config.runtime_lib.display(),
                loaded = %loaded.path.display(),
                "ONNX Runtime is already loaded in this process; using the loaded library"
            );
        }
        return Ok(loaded.environment.clone());
    }
    let path = check_runtime_path(&config.runtime_lib)?;
    let builder = ort::init_from(&path).map_err(|e| {
        let message = e.to_string();
        match message.split("but got '").nth(1) {
            Some(found) => EmbedError::RuntimeVersion {
                path: path.clone(),
                found: found.trim_end_matches('\'').into(),
            },
            None => EmbedError::RuntimeLoad {
                path: path.clone(),
                message,
            },
        }
    })?;
    if let Some(version) = version_in_build_info(ort::info()) {
        check_minor(&path, &version)?;
    }
    let environment =
        builder
            .with_name("doctown-embed")
            .build()
            .map_err(|e| EmbedError::RuntimeLoad {
                path: path.clone(),
                message: e.to_string(),
            })?;
    tracing::debug!(path = %path.display(), info = ort::info(), "loaded ONNX Runtime");
    *runtime = Some(Loaded {
        path,
        environment: environment.clone(),
    });
    Ok(environment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_names_and_build_info() {
        assert_eq!(
            version_in_file_name(Path::new("/x/libonnxruntime.so.1.31.1")).as_deref(),
            Some("1.31.1")
        );
        assert_eq!(
            version_in_file_name(Path::new("/x/libonnxruntime.so")),
            None
        );
        assert_eq!(
            version_in_build_info("ORT Build Info: git-branch=rel-1.31.1, git-commit-id=abc")
                .as_deref(),
            Some("1.31.1")
        );
        assert!(check_minor(Path::new("x"), "1.31.0").is_ok());
        assert!(check_minor(Path::new("x"), "1.20.1").is_err());
    }

    #[test]
    fn missing_and_misversioned_files_are_refused_before_loading() {
        let dir = std::env::temp_dir().join(format!("doctown-embed-rt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = check_runtime_path(&dir.join("libonnxruntime.so.1.31.1")).unwrap_err();
        assert!(
            missing.to_string().contains("scripts/fetch-model.sh"),
            "{missing}"
        );
        let old = dir.join("libonnxruntime.so.1.20.0");
        std::fs::write(&old, b"not a library").unwrap();
        let err = check_runtime_path(&old).unwrap_err();
        assert!(matches!(err, EmbedError::RuntimeVersion { .. }), "{err}");
        assert!(err.to_string().contains("1.31"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
