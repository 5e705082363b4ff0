//! Building a deployment's store and queues from the environment, for the
//! CLI (`doctown worker`), the Lambda binary and the trigger API.
//!
//! - Store: `S3Config::from_env` (`DOCTOWN_S3_BUCKET`, `DOCTOWN_S3_PREFIX`,
//!   `DOCTOWN_S3_ENDPOINT`, `DOCTOWN_S3_REGION`, `DOCTOWN_S3_PATH_STYLE`, …).
//! - Queues: `DOCTOWN_QUEUE_PREFIX` (default `doctown`),
//!   `DOCTOWN_SQS_ENDPOINT`, `DOCTOWN_SQS_REGION`,
//!   `DOCTOWN_MAX_RECEIVES` (redrive, default 5),
//!   `DOCTOWN_VISIBILITY_SECS` (default 90).
//! - RunPod endpoints (dispatcher): `DOCTOWN_RUNPOD_ENDPOINT_<STAGE>` (an
//!   endpoint id, or a base URL for a self-hosted API) and `RUNPOD_API_KEY`.

use crate::error::WorkerError;
use crate::runpod::Endpoint;
use doctown_core::Stage;
use doctown_queue::{QueueNames, QueueSet, SqsConfig, SqsConnection};
use doctown_store_s3::{S3Config, S3Store};
use std::collections::BTreeMap;
use std::time::Duration;

use doctown_config::var;

/// The S3 store the environment names.
pub fn store_from_env() -> Result<S3Store, WorkerError> {
    Ok(S3Store::connect(&S3Config::from_env()?)?)
}

/// The visibility timeout the environment asks for (default 90 s).
pub fn visibility_from_env() -> Duration {
    Duration::from_secs(
        var("DOCTOWN_VISIBILITY_SECS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(90),
    )
}

/// The SQS queues the environment names; `create`: create them (and the
/// dead-letter queue with its redrive policy) when missing.
pub fn queues_from_env(create: bool) -> Result<QueueSet, WorkerError> {
    let conn = SqsConnection::connect(&SqsConfig::from_env())?;
    let names = QueueNames::new(var("DOCTOWN_QUEUE_PREFIX").unwrap_or_else(|| "doctown".into()));
    if create {
        let max_receives = var("DOCTOWN_MAX_RECEIVES")
            .and_then(|v| v.parse().ok())
            .unwrap_or(5);
        Ok(QueueSet::sqs(
            &conn,
            &names,
            max_receives,
            visibility_from_env(),
        )?)
    } else {
        Ok(QueueSet::open_sqs(&conn, &names)?)
    }
}

/// The RunPod endpoints of `stages` for the dispatcher.
pub fn endpoints_from_env(stages: &[Stage]) -> Result<BTreeMap<Stage, Endpoint>, WorkerError> {
    let key = var("RUNPOD_API_KEY")
        .ok_or_else(|| WorkerError::Config("RUNPOD_API_KEY is not set".into()))?;
    let mut endpoints = BTreeMap::new();
    for stage in stages {
        let name = format!(
            "DOCTOWN_RUNPOD_ENDPOINT_{}",
            stage.name().to_ascii_uppercase()
        );
        let id = var(&name).ok_or_else(|| WorkerError::Config(format!("{name} is not set")))?;
        let endpoint = if id.starts_with("http://") || id.starts_with("https://") {
            Endpoint {
                base_url: id.trim_end_matches('/').to_string(),
                api_key: key.clone(),
            }
        } else {
            Endpoint::runpod(&id, &key)
        };
        endpoints.insert(*stage, endpoint);
    }
    Ok(endpoints)
}
