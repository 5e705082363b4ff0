//! The checked-in JSON Schemas match the types, and every JSON part of a
//! written docpack validates against its schema (with the `jsonschema` crate).
//! Regenerate the schemas with `UPDATE_SCHEMAS=1 cargo test -p doctown-docpack`.

mod common;

use doctown_docpack::schema::{schema_bytes, schemas, write_schemas, SCHEMA_DIR};
use std::path::PathBuf;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(SCHEMA_DIR)
}

#[test]
fn checked_in_schemas_are_up_to_date() {
    let dir = schema_dir();
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        write_schemas(&dir).unwrap();
    }
    for s in schemas() {
        let path = dir.join(s.file_name);
        let on_disk = std::fs::read(&path).unwrap_or_default();
        assert!(
            on_disk == schema_bytes(&s).unwrap(),
            "{} is out of date; run UPDATE_SCHEMAS=1 cargo test -p doctown-docpack",
            path.display()
        );
    }
    let mut listed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    let expected: Vec<&str> = schemas().iter().map(|s| s.file_name).collect();
    assert_eq!(listed, expected, "stray files in {}", dir.display());
}

#[test]
fn every_json_part_validates_against_its_schema() {
    let encoded =
        doctown_docpack::encode_docpack(&common::fixture::fixture_with_history()).unwrap();
    let mut checked = 0;
    for s in schemas() {
        let (_, bytes) = encoded
            .entries
            .iter()
            .find(|(n, _)| n == s.entry)
            .expect(s.entry);
        let instance: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let validator = jsonschema::validator_for(&s.schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match its schema: {errors:?}",
            s.entry
        );
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn schemas_reject_a_broken_part() {
    let encoded = common::fixture::encoded();
    let nodes = schemas()
        .into_iter()
        .find(|s| s.entry == "nodes.json")
        .unwrap();
    let (_, bytes) = encoded
        .entries
        .iter()
        .find(|(n, _)| n == "nodes.json")
        .unwrap();
    let mut instance: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    instance["symbols"][0]["kind"] = "gizmo".into();
    let validator = jsonschema::validator_for(&nodes.schema).unwrap();
    assert!(!validator.is_valid(&instance));
}
