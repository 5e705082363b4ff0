//! Canonical JSON and the hashing rules.
//!
//! Canonical JSON (every `.json` entry and every generated schema):
//! * UTF-8, pretty-printed with two-space indentation, `": "` after keys, and
//!   one trailing newline; no BOM.
//! * Object keys sorted by their UTF-8 bytes, at every depth.
//! * Integers written as integers. Every non-integer number rounded to
//!   [`FLOAT_DECIMALS`] decimals with [`round_f64`] and then written in the
//!   shortest form that reads back to the same `f64` (`-0.0` becomes `0.0`).
//! * Optional fields that are `null`/absent and empty lists marked optional
//!   are omitted; readers treat absent, `null` and `[]` alike.
//!
//! Hashing: each entry's checksum is the lowercase hex SHA-256 of its bytes
//! in the tar. The docpack id is the SHA-256 of the text made by the lines
//! `"<sha256-hex>  <name>\n"` (the `sha256sum` format) for every entry except
//! `manifest.json`, sorted by name (bytewise).

use crate::error::DocpackError;
use serde::Serialize;
use serde_json::{Number, Value};
use sha2::{Digest, Sha256};

pub use crate::canonical_writer::{round_f64, FLOAT_DECIMALS};

/// A value made canonical: objects' keys sorted, floats rounded.
pub fn canonical_value(mut value: Value) -> Value {
    make_canonical(&mut value);
    value
}

/// [`canonical_value`] in place: maps are sorted where they are, not rebuilt.
fn make_canonical(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(make_canonical);
        }
        Value::Array(items) => items.iter_mut().for_each(make_canonical),
        Value::Number(n) if n.is_f64() => {
            let x = round_f64(n.as_f64().unwrap_or(0.0));
            *value = Number::from_f64(x)
                .map(Value::Number)
                .unwrap_or(Value::Null);
        }
        _ => {}
    }
}

/// The canonical JSON bytes of a value (see the module docs).
pub fn to_canonical_json<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
) -> Result<Vec<u8>, DocpackError> {
    let mut bytes = Vec::new();
    crate::canonical_writer::write_canonical(&mut bytes, value)
        .map_err(|e| DocpackError::json(name, e))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The docpack id over `(name, sha256)` pairs; the manifest is skipped and
/// the pairs are sorted here, so callers may pass them in any order.
pub fn docpack_id<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = entries
        .into_iter()
        .filter(|(name, _)| *name != crate::entry::MANIFEST)
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    for (name, sha) in pairs {
        hasher.update(sha.as_bytes());
        hasher.update(b"  ");
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_have_one_form() {
        assert_eq!(round_f64(0.1 + 0.2), 0.3);
        assert_eq!(round_f64(-0.000_000_1).to_bits(), 0.0f64.to_bits());
        assert_eq!(round_f64(1.234_567_89), 1.234_568);
        let bytes = to_canonical_json("t", &json!({"b": 0.1 + 0.2, "a": [1, 2.0000001]})).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "{\n  \"a\": [\n    1,\n    2.0\n  ],\n  \"b\": 0.3\n}\n"
        );
    }

    #[test]
    fn keys_are_sorted_at_every_depth() {
        let v = canonical_value(json!({"z": {"y": 1, "b": 2}, "a": 0}));
        assert_eq!(v.to_string(), r#"{"a":0,"z":{"b":2,"y":1}}"#);
    }

    #[test]
    fn id_ignores_manifest_and_order() {
        let a = docpack_id([("b.json", "22"), ("a.json", "11"), ("manifest.json", "x")]);
        let b = docpack_id([("a.json", "11"), ("b.json", "22")]);
        assert_eq!(a, b);
        assert_eq!(a, sha256_hex(b"11  a.json\n22  b.json\n"));
    }
}
