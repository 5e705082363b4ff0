//! Checking the model file against its expected SHA-256, once.
//!
//! Hashing 23 MB takes a moment; the verdict is remembered in a sidecar file
//! (`.model.onnx.verified` beside the model: checksum, size and modification
//! time), so a later load only compares metadata. A read-only model
//! directory just means hashing every time.

use crate::error::EmbedError;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

fn fingerprint(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!("{} {}", meta.len(), mtime.as_nanos()))
}

/// Hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, EmbedError> {
    let context = || format!("reading {}", path.display());
    let mut file = std::fs::File::open(path).map_err(|e| EmbedError::io(context(), e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| EmbedError::io(context(), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Checks `path` has SHA-256 `expected` (hex, case-insensitive).
pub fn verify_model_file(path: &Path, expected: &str) -> Result<(), EmbedError> {
    let expected = expected.trim().to_ascii_lowercase();
    let sidecar = path.with_file_name(format!(
        ".{}.verified",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("model.onnx")
    ));
    let fingerprint = fingerprint(path);
    if let (Some(fp), Ok(recorded)) = (&fingerprint, std::fs::read_to_string(&sidecar)) {
        if recorded.trim() == format!("{expected} {fp}") {
            return Ok(());
        }
    }
    let actual = sha256_file(path)?;
    if actual != expected {
        return Err(EmbedError::ModelChecksum {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    if let Some(fp) = fingerprint {
        let _ = std::fs::write(&sidecar, format!("{expected} {fp}\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_and_remembers_and_rejects_changes() {
        let dir = std::env::temp_dir().join(format!("doctown-embed-verify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("model.onnx");
        std::fs::write(&file, b"abc").unwrap();
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        verify_model_file(&file, sha).unwrap();
        assert!(dir.join(".model.onnx.verified").exists());
        verify_model_file(&file, &sha.to_uppercase()).unwrap();
        std::fs::write(&file, b"abd").unwrap();
        let err = verify_model_file(&file, sha).unwrap_err();
        assert!(matches!(err, EmbedError::ModelChecksum { .. }), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
