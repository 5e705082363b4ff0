//! Checks a job's stage options (`input.options`) before the job is
//! queued, so a typo or a wrong type is a one-line refusal at submission
//! rather than a stage that fails minutes later on a worker.
//!
//! Each stage's options are read the way its handler reads them (the
//! embed and generate options laid over the host's configuration, which
//! refuses the host's own settings); names a stage does not know are
//! refused too, even where the handler would ignore them.

use doctown_assemble::AssembleOptions;
use doctown_core::Stage;
use doctown_ingest::IngestOptions;
use doctown_pack::mapping::PackOptions;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a job may not ask for unless its host allows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionsPolicy {
    /// Options that name paths on the host (`ingest.scip`) are allowed:
    /// only where local paths are accepted as sources.
    pub local_paths: bool,
}

/// Checks every stage's options; the error is one line naming the stage
/// and the field.
pub fn check_job_options(
    options: &BTreeMap<String, Value>,
    config: &crate::StagesConfig,
    policy: OptionsPolicy,
) -> Result<(), String> {
    for (name, value) in options {
        let stage: Stage = name
            .parse()
            .map_err(|_| format!("options: {name:?} is not a stage"))?;
        if !value.is_object() {
            return Err(format!("options.{name}: must be a JSON object"));
        }
        let known = match stage {
            Stage::Ingest => {
                if value.get("scip").is_some() && !policy.local_paths {
                    return Err(
                        "options.ingest.scip names a path on the host: not accepted here".into(),
                    );
                }
                typed::<IngestOptions>(name, value)?
            }
            Stage::Embed => {
                let merged = config
                    .embed
                    .overlay_job_options(Some(value))
                    .map_err(|e| format!("options.embed: {e}"))?;
                serde_json::to_value(merged).map_err(|e| e.to_string())?
            }
            Stage::Assemble => typed::<AssembleOptions>(name, value)?,
            Stage::Generate => {
                let merged = config
                    .generate
                    .overlay_job_options(value)
                    .map_err(|e| format!("options.generate: {e}"))?;
                serde_json::to_value(merged).map_err(|e| e.to_string())?
            }
            Stage::Pack => typed::<PackOptions>(name, value)?,
        };
        let optional = ["scip"];
        for field in value.as_object().into_iter().flat_map(|o| o.keys()) {
            if known.get(field).is_none() && !optional.contains(&field.as_str()) {
                return Err(format!("options.{name}: unknown field {field:?}"));
            }
        }
    }
    Ok(())
}

/// Reads `value` as `T`; gives back `T`'s fields as its default names them
/// (every field but those skipped when empty, like `ingest.scip`).
fn typed<T: DeserializeOwned + Serialize + Default>(
    name: &str,
    value: &Value,
) -> Result<Value, String> {
    serde_json::from_value::<T>(value.clone()).map_err(|e| format!("options.{name}: {e}"))?;
    serde_json::to_value(T::default()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StagesConfig;
    use serde_json::json;

    fn check(options: Value, policy: OptionsPolicy) -> Result<(), String> {
        let options: BTreeMap<String, Value> = serde_json::from_value(options).unwrap();
        check_job_options(&options, &StagesConfig::default(), policy)
    }

    #[test]
    fn what_the_cli_sends_for_a_structural_build_is_accepted() {
        let options = json!({
            "ingest": {"max_total_bytes": 4_000_000_000u64, "gitignore": false,
                       "history": {"mode": "off"}},
            "embed": {"enabled": false},
            "assemble": {"use_embeddings": false},
            "generate": {"llm_top": 0},
            "pack": {"symbol_contexts": false},
        });
        check(options, OptionsPolicy::default()).unwrap();
    }

    #[test]
    fn unknown_stages_fields_and_types_are_refused_in_one_line() {
        let cases = [
            (json!({"ingets": {}}), "\"ingets\" is not a stage"),
            (
                json!({"ingest": []}),
                "options.ingest: must be a JSON object",
            ),
            (
                json!({"ingest": {"max_total_byte": 1}}),
                "unknown field \"max_total_byte\"",
            ),
            (
                json!({"ingest": {"max_total_bytes": "big"}}),
                "options.ingest:",
            ),
            (json!({"assemble": {"related_k": -1}}), "options.assemble:"),
            (json!({"pack": {"contexts": true}}), "options.pack:"),
            (json!({"embed": {"enabled": "no"}}), "options.embed:"),
            (json!({"embed": {"batch_sise": 3}}), "batch_sise"),
            (json!({"generate": {"llm_topp": 3}}), "llm_topp"),
        ];
        for (options, expected) in cases {
            let error = check(options.clone(), OptionsPolicy::default()).unwrap_err();
            assert!(error.contains(expected), "{options}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
    }

    #[test]
    fn host_settings_and_host_paths_are_refused() {
        let error = check(
            json!({"embed": {"model_dir": "/etc"}}),
            OptionsPolicy::default(),
        )
        .unwrap_err();
        assert!(error.contains("options.embed"), "{error}");
        let error = check(
            json!({"generate": {"api_key": "k"}}),
            OptionsPolicy::default(),
        )
        .unwrap_err();
        assert!(error.contains("options.generate"), "{error}");
        let scip = json!({"ingest": {"scip": "/srv/index.scip"}});
        let error = check(scip.clone(), OptionsPolicy::default()).unwrap_err();
        assert!(error.contains("path on the host"), "{error}");
        check(scip, OptionsPolicy { local_paths: true }).unwrap();
    }
}
