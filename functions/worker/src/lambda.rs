//! AWS Lambda: one function per stage, triggered by its SQS queue, with
//! partial batch failures (`FunctionResponseTypes: ["ReportBatchItemFailures"]`).
//!
//! Each record goes through the same [`Engine`] as the SQS worker loop. A
//! record that was handled — run, retried later by a new delayed message,
//! or dead-lettered — is reported as a success, so Lambda deletes it; one
//! that hit storage or queue trouble is listed in `batchItemFailures` and
//! comes back after the visibility timeout (set it ≥ 6× the function
//! timeout). A record without a `messageId` that must come back is
//! reported with an empty identifier, which fails the whole batch, as
//! Lambda defines.
//!
//! The stores and queues are synchronous, so [`serve`] runs each batch on a
//! `spawn_blocking` thread and awaits its answer.

use crate::engine::{Disposition, Engine};
use crate::executor::{LocalExecutor, RunControl};
use crate::watchdog::watch;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use doctown_pipeline::{Machine, StageHandler};
use doctown_queue::{QueueSet, StageMessage};
use doctown_store::ObjectStore;
use std::sync::Arc;

/// What one Lambda function hosts.
pub struct LambdaFunction {
    pub store: Arc<dyn ObjectStore>,
    pub queues: QueueSet,
    pub machine: Machine,
    pub handlers: Vec<Arc<dyn StageHandler>>,
}

impl LambdaFunction {
    /// Handles one SQS batch (synchronously).
    pub fn handle(&self, event: &SqsEvent) -> SqsBatchResponse {
        let handlers: Vec<&dyn StageHandler> = self.handlers.iter().map(|h| h.as_ref()).collect();
        let executor = LocalExecutor::new(&handlers);
        let engine = Engine::new(self.store.as_ref(), &self.queues, &self.machine);
        let mut response = SqsBatchResponse::default();
        for record in &event.records {
            let source = record
                .event_source_arn
                .as_deref()
                .and_then(|arn| arn.rsplit(':').next())
                .unwrap_or("sqs");
            let body = record.body.as_deref().unwrap_or("");
            let control = RunControl::default();
            let disposition = match StageMessage::parse(body) {
                Ok(m) => watch(
                    self.store.as_ref(),
                    &m.job_id,
                    self.machine.spec(m.stage),
                    None,
                    &control,
                    || engine.handle(source, body, &executor, &control),
                ),
                Err(_) => engine.handle(source, body, &executor, &control),
            };
            if let Disposition::Retry { .. } = disposition {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = record.message_id.clone().unwrap_or_default();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }
}

/// Serves the function on the Lambda runtime API until the process ends.
pub async fn serve(function: Arc<LambdaFunction>) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| {
            let function = function.clone();
            async move {
                let response =
                    tokio::task::spawn_blocking(move || function.handle(&event.payload)).await?;
                Ok::<SqsBatchResponse, lambda_runtime::Error>(response)
            }
        },
    ))
    .await
}
