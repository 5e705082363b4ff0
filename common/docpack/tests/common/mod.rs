//! Shared test helpers: a fixture docpack and archive-crafting tools.
#![allow(dead_code)]

pub mod bomb;
pub mod fixture;

use doctown_docpack::canonical::{docpack_id, sha256_hex, to_canonical_json};
use doctown_docpack::writer::pack_entries;
use serde_json::{json, Value};

/// Frames entries as a docpack; with `fix_manifest`, first rewrites the
/// manifest's checksums and id to match the entries, so that only the damage
/// under test remains.
pub fn repack(mut entries: Vec<(String, Vec<u8>)>, fix_manifest: bool) -> Vec<u8> {
    if fix_manifest {
        let listed: Vec<(String, String, u64)> = entries
            .iter()
            .filter(|(n, _)| n != "manifest.json")
            .map(|(n, b)| (n.clone(), sha256_hex(b), b.len() as u64))
            .collect();
        let id = docpack_id(listed.iter().map(|(n, s, _)| (n.as_str(), s.as_str())));
        let list: Vec<Value> = listed
            .iter()
            .map(|(n, s, size)| json!({"name": n, "sha256": s, "size": size}))
            .collect();
        for (name, bytes) in entries.iter_mut() {
            if name == "manifest.json" {
                let mut m: Value = serde_json::from_slice(bytes).unwrap();
                m["docpack_id"] = json!(id);
                m["checksum"]["value"] = json!(id);
                m["checksum"]["entries"] = json!(list);
                *bytes = to_canonical_json("manifest.json", &m).unwrap();
            }
        }
    }
    let framed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    pack_entries(&framed).unwrap()
}

/// Edits the manifest JSON of an entry list in place.
pub fn edit_manifest(entries: &mut [(String, Vec<u8>)], edit: impl FnOnce(&mut Value)) {
    let (_, bytes) = entries
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut m: Value = serde_json::from_slice(bytes).unwrap();
    edit(&mut m);
    *bytes = to_canonical_json("manifest.json", &m).unwrap();
}
