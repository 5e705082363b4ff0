//! The docpack reader past its checksums: the input replaces entries of a
//! valid docpack (records: tag, little-endian u32 length, bytes; see
//! `doctown_fuzz::parse_records`; an empty record removes the entry), the
//! manifest's checksums and id are then rewritten to match (as a writer
//! would), and the result is framed, read and exercised. This reaches the
//! JSON parts, the `embeddings.bin` decoder and the cross-reference
//! validation, which `docpack_read` rarely gets past the checksums to.
//!
//! Checks: as `docpack_read`.

#![no_main]

use doctown_docpack::canonical::{docpack_id, sha256_hex, to_canonical_json};
use doctown_docpack::writer::pack_entries;
use doctown_fuzz::{exercise_docpack, fuzz_read_limits, parse_records, scratch_dir};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Rewrites the manifest's checksum list, checksum value and id to match
/// the other entries; a manifest that is not a JSON object stays as it is.
fn fix_manifest(entries: &mut BTreeMap<String, Vec<u8>>) {
    let listed: Vec<(String, String, u64)> = entries
        .iter()
        .filter(|(n, _)| n.as_str() != "manifest.json")
        .map(|(n, b)| (n.clone(), sha256_hex(b), b.len() as u64))
        .collect();
    let id = docpack_id(listed.iter().map(|(n, s, _)| (n.as_str(), s.as_str())));
    let Some(bytes) = entries.get_mut("manifest.json") else {
        return;
    };
    let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let list: Vec<Value> = listed
        .iter()
        .map(|(n, s, size)| json!({"name": n, "sha256": s, "size": size}))
        .collect();
    m.insert("docpack_id".into(), json!(id));
    let checksum = m
        .entry("checksum")
        .or_insert_with(|| json!({"algorithm": "sha256"}));
    if let Value::Object(c) = checksum {
        c.insert("value".into(), json!(id));
        c.insert("entries".into(), json!(list));
    }
    if let Ok(b) = to_canonical_json("manifest.json", &Value::Object(m)) {
        *bytes = b;
    }
}

fuzz_target!(|data: &[u8]| {
    static SCRATCH: OnceLock<tempfile::TempDir> = OnceLock::new();
    let scratch = SCRATCH.get_or_init(|| scratch_dir("doctown-fuzz-parts-"));
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (name, bytes) in parse_records(data) {
        if bytes.is_empty() {
            entries.remove(name);
        } else {
            entries.insert(name.to_string(), bytes.to_vec());
        }
    }
    fix_manifest(&mut entries);
    // The manifest first, as the writer frames it.
    let mut framed: Vec<(&str, &[u8])> = Vec::new();
    if let Some(m) = entries.get("manifest.json") {
        framed.push(("manifest.json", m));
    }
    framed.extend(
        entries
            .iter()
            .filter(|(n, _)| n.as_str() != "manifest.json")
            .map(|(n, b)| (n.as_str(), b.as_slice())),
    );
    let bytes = pack_entries(&framed).expect("framing entries in memory failed");
    match doctown_docpack::read_docpack_bytes(&bytes, &fuzz_read_limits()) {
        Ok(d) => exercise_docpack(&d, scratch.path()),
        Err(e) => assert!(!e.to_string().trim().is_empty(), "empty error message"),
    }
});
