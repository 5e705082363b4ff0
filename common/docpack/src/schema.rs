//! JSON Schemas (draft 2020-12) for every JSON part, generated from the
//! model types with `schemars`. The checked-in copies live in
//! `schemas/docpack/`; a test fails when they are out of date
//! (`UPDATE_SCHEMAS=1 cargo test -p doctown-docpack` regenerates them).

use crate::canonical::to_canonical_json;
use crate::entry;
use crate::error::DocpackError;
use crate::model::*;
use schemars::JsonSchema;
use serde_json::Value;
use std::path::Path;

/// Where the schemas are published, relative to the repository root.
pub const SCHEMA_DIR: &str = "schemas/docpack";

/// One generated schema.
#[derive(Debug, Clone, PartialEq)]
pub struct PartSchema {
    /// The entry it describes, e.g. `nodes.json`.
    pub entry: &'static str,
    /// The schema file name, e.g. `nodes.schema.json`.
    pub file_name: &'static str,
    pub schema: Value,
}

fn part<T: JsonSchema>(entry: &'static str, file_name: &'static str) -> PartSchema {
    let mut schema = schemars::schema_for!(T);
    schema.insert(
        "$id".to_string(),
        Value::String(format!(
            "https://github.com/doctown/doctown/{SCHEMA_DIR}/{file_name}"
        )),
    );
    schema.insert(
        "$comment".to_string(),
        Value::String(format!(
            "Schema of {entry} in docpack format {}; generated from doctown-docpack, do not edit.",
            crate::SCHEMA_VERSION
        )),
    );
    PartSchema {
        entry,
        file_name,
        schema: schema.to_value(),
    }
}

/// The schemas of every JSON part, in entry-name order.
pub fn schemas() -> Vec<PartSchema> {
    vec![
        part::<Clusters>(entry::CLUSTERS, "clusters.schema.json"),
        part::<Docs>(entry::DOCS, "docs.schema.json"),
        part::<Graph>(entry::GRAPH, "graph.schema.json"),
        part::<History>(entry::HISTORY, "history.schema.json"),
        part::<Manifest>(entry::MANIFEST, "manifest.schema.json"),
        part::<Nodes>(entry::NODES, "nodes.schema.json"),
        part::<SourceMap>(entry::SOURCE_MAP, "source_map.schema.json"),
        part::<SymbolContexts>(entry::SYMBOL_CONTEXTS, "symbol_contexts.schema.json"),
    ]
}

/// The bytes of a schema file: canonical JSON, like the parts themselves.
pub fn schema_bytes(schema: &PartSchema) -> Result<Vec<u8>, DocpackError> {
    to_canonical_json(schema.file_name, &schema.schema)
}

/// Writes every schema into `dir` (created if needed).
pub fn write_schemas(dir: &Path) -> Result<(), DocpackError> {
    std::fs::create_dir_all(dir).map_err(|e| DocpackError::io(dir, e))?;
    for s in schemas() {
        let path = dir.join(s.file_name);
        std::fs::write(&path, schema_bytes(&s)?).map_err(|e| DocpackError::io(&path, e))?;
    }
    Ok(())
}
