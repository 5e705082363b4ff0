//! The Lambda handler, invoked with SQS event fixtures: the fixtures
//! round-trip through the event types, and a batch with one good, one
//! malformed and one unlucky record reports exactly the unlucky one in
//! `batchItemFailures`.

mod common;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use common::*;
use doctown_core::{JobId, JobStatus, Stage, StageStatus};
use doctown_pipeline::StageHandler;
use doctown_queue::{DeadLetter, QueueSet};
use doctown_store::{
    create_state, load_state, Condition, Etag, MemoryStore, Object, ObjectStore, StoreError,
};
use doctown_worker::lambda::LambdaFunction;
use std::sync::Arc;
use std::time::Duration;

const EVENT: &str = include_str!("fixtures/sqs-event.json");
const RESPONSE: &str = include_str!("fixtures/sqs-batch-response.json");

/// A store whose objects under a "flaky" job cannot be read (a retryable
/// backend error).
struct FlakyStore(MemoryStore);

impl FlakyStore {
    fn check(&self, key: &str) -> Result<(), StoreError> {
        if key.contains("flaky") {
            return Err(StoreError::Backend {
                key: key.into(),
                message: "503 Slow Down".into(),
                retryable: true,
            });
        }
        Ok(())
    }
}

impl ObjectStore for FlakyStore {
    fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        self.check(key)?;
        self.0.get(key)
    }
    fn put(&self, key: &str, bytes: &[u8]) -> Result<Etag, StoreError> {
        self.0.put(key, bytes)
    }
    fn put_if(&self, key: &str, bytes: &[u8], c: &Condition) -> Result<Etag, StoreError> {
        self.0.put_if(key, bytes, c)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.0.list(prefix)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key)
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn fixtures_round_trip_through_the_event_types() {
    let event: SqsEvent = serde_json::from_str(EVENT).unwrap();
    assert_eq!(event.records.len(), 3);
    assert_eq!(event.records[2].attributes["ApproximateReceiveCount"], "2");
    let again: SqsEvent = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(again, event);
    for field in [
        "messageId",
        "receiptHandle",
        "body",
        "eventSourceARN",
        "awsRegion",
    ] {
        assert_eq!(
            json(&serde_json::to_string(&event).unwrap())["Records"][0][field],
            json(EVENT)["Records"][0][field],
            "{field}"
        );
    }
    let response: SqsBatchResponse = serde_json::from_str(RESPONSE).unwrap();
    assert_eq!(
        json(&serde_json::to_string(&response).unwrap()),
        json(RESPONSE)
    );
}

#[test]
fn a_batch_reports_only_the_records_to_retry() {
    let store = Arc::new(FlakyStore(MemoryStore::new()));
    let input = input(&fixture(), 1000);
    for id in ["lambda-ok", "lambda-flaky"] {
        let state = doctown_core::JobState::new(JobId::new(id).unwrap(), input.clone(), "t".into());
        create_state(&store.0, &state).unwrap();
    }
    let queues = QueueSet::memory(5);
    let handler: Arc<dyn StageHandler> = Arc::new(doctown_ingest::IngestHandler::new(
        doctown_sources::GitHubConfig::default(),
    ));
    let function = LambdaFunction {
        store: store.clone(),
        queues: queues.clone(),
        machine: machine(2, Duration::from_secs(1)),
        handlers: vec![handler],
    };
    let event: SqsEvent = serde_json::from_str(EVENT).unwrap();
    let response = function.handle(&event);
    assert_eq!(
        json(&serde_json::to_string(&response).unwrap()),
        json(RESPONSE),
        "only the flaky record is retried"
    );
    let ok = load_state(&store.0, &JobId::new("lambda-ok").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(ok.stage(Stage::Ingest).status, StageStatus::Succeeded);
    assert_eq!(ok.status, JobStatus::Running);
    let next = queues
        .stage(Stage::Embed)
        .unwrap()
        .receive(10, Duration::ZERO, Duration::from_secs(30))
        .unwrap();
    assert_eq!(next.len(), 1, "embed's shard was sent");
    assert!(next[0].body.contains("\"shard\":0"), "{}", next[0].body);
    let dead = queues
        .dead_letter()
        .receive(10, Duration::ZERO, Duration::from_secs(30))
        .unwrap();
    assert_eq!(dead.len(), 1);
    let letter = DeadLetter::parse(&dead[0].body);
    assert_eq!(letter.source, "doctown-ingest");
    assert_eq!(letter.body, "this is not a stage message");
}

#[test]
fn an_empty_batch_is_a_success() {
    let function = LambdaFunction {
        store: Arc::new(MemoryStore::new()),
        queues: QueueSet::memory(5),
        machine: machine(2, Duration::from_secs(1)),
        handlers: vec![],
    };
    let response = function.handle(&SqsEvent::default());
    assert!(response.batch_item_failures.is_empty());
}
