//! Amazon SQS (or any SQS-compatible endpoint, e.g. moto) behind [`Queue`].
//!
//! One [`SqsConnection`] (client + its own small tokio runtime) serves any
//! number of [`SqsQueue`]s. [`ensure_queues`] creates the stage queues and
//! the dead-letter queue with the redrive policy.

use crate::{Depth, Queue, QueueError, QueueNames, Received};
use aws_sdk_sqs::config::{Credentials, Region};
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use aws_sdk_sqs::Client;
use doctown_blocking::BlockingRuntime;
use doctown_core::Stage;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How to reach SQS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqsConfig {
    /// A custom endpoint (moto); `None` for AWS.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Static `(access key id, secret)`; `None`: the default chain.
    pub credentials: Option<(String, String)>,
}

impl SqsConfig {
    /// A local SQS double at `endpoint` with test credentials.
    pub fn local(endpoint: impl Into<String>) -> SqsConfig {
        SqsConfig {
            endpoint: Some(endpoint.into()),
            region: Some("us-east-1".into()),
            credentials: Some(("testing".into(), "testing".into())),
        }
    }

    /// The `sqs.*` settings (the endpoint falls back to
    /// `AWS_ENDPOINT_URL_SQS`); credentials from the default chain.
    pub fn from_env() -> SqsConfig {
        let get = doctown_config::var;
        SqsConfig {
            endpoint: get("DOCTOWN_SQS_ENDPOINT").or_else(|| get("AWS_ENDPOINT_URL_SQS")),
            region: get("DOCTOWN_SQS_REGION"),
            credentials: None,
        }
    }
}

/// A client and the runtime it runs on.
pub struct SqsConnection {
    client: Client,
    runtime: BlockingRuntime,
}

impl SqsConnection {
    pub fn connect(config: &SqsConfig) -> Result<Arc<SqsConnection>, QueueError> {
        let runtime = BlockingRuntime::new("doctown-sqs", 2)
            .map_err(|e| backend("sqs", e.to_string(), false))?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some((key, secret)) = &config.credentials {
            loader = loader.credentials_provider(Credentials::new(
                key.clone(),
                secret.clone(),
                None,
                None,
                "doctown-static",
            ));
        }
        let shared = runtime.block_on(loader.load());
        let mut builder = aws_sdk_sqs::config::Builder::from(&shared);
        if shared.region().is_none() {
            builder = builder.region(Region::new("us-east-1"));
        }
        Ok(Arc::new(SqsConnection {
            client: Client::from_conf(builder.build()),
            runtime,
        }))
    }

    /// Runs a future to completion on this connection's runtime, from any
    /// thread (see [`BlockingRuntime`]).
    fn block<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Opens an existing queue by name.
    pub fn queue(self: &Arc<Self>, name: &str) -> Result<SqsQueue, QueueError> {
        let out = self
            .block(self.client.get_queue_url().queue_name(name).send())
            .map_err(|e| sdk_error(name, e))?;
        Ok(SqsQueue {
            conn: self.clone(),
            name: name.to_string(),
            url: out.queue_url().unwrap_or_default().to_string(),
        })
    }

    fn create(
        self: &Arc<Self>,
        name: &str,
        attributes: &[(QueueAttributeName, String)],
    ) -> Result<SqsQueue, QueueError> {
        let mut request = self.client.create_queue().queue_name(name);
        for (k, v) in attributes {
            request = request.attributes(k.clone(), v.clone());
        }
        let out = self.block(request.send()).map_err(|e| sdk_error(name, e))?;
        Ok(SqsQueue {
            conn: self.clone(),
            name: name.to_string(),
            url: out.queue_url().unwrap_or_default().to_string(),
        })
    }
}

fn backend(queue: &str, message: String, retryable: bool) -> QueueError {
    QueueError::Backend {
        queue: queue.to_string(),
        message,
        retryable,
    }
}

fn sdk_error<E, R>(queue: &str, err: SdkError<E, R>) -> QueueError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let code = match &err {
        SdkError::ServiceError(s) => s.err().code().map(str::to_string),
        _ => None,
    };
    let message = DisplayErrorContext(&err).to_string();
    match code.as_deref() {
        Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist") => {
            QueueError::NotFound {
                queue: queue.to_string(),
            }
        }
        Some("ReceiptHandleIsInvalid" | "InvalidParameterValue" | "MessageNotInflight") => {
            QueueError::Invalid {
                queue: queue.to_string(),
                message,
            }
        }
        _ => {
            let retryable = !matches!(err, SdkError::ConstructionFailure(_))
                && !matches!(code.as_deref(), Some(c) if c.contains("AccessDenied") || c.contains("InvalidClientTokenId"));
            backend(queue, message, retryable)
        }
    }
}

fn secs(d: Duration) -> i32 {
    d.as_secs().min(i32::MAX as u64) as i32
}

/// One SQS queue.
pub struct SqsQueue {
    conn: Arc<SqsConnection>,
    name: String,
    url: String,
}

impl SqsQueue {
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The queue's ARN.
    pub fn arn(&self) -> Result<String, QueueError> {
        let request = self
            .conn
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::QueueArn);
        let out = self
            .conn
            .block(request.send())
            .map_err(|e| sdk_error(&self.name, e))?;
        out.attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| backend(&self.name, "no QueueArn attribute".into(), true))
    }
}

impl Queue for SqsQueue {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        let request = self
            .conn
            .client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(secs(delay.min(crate::MAX_DELAY)));
        let out = self
            .conn
            .block(request.send())
            .map_err(|e| sdk_error(&self.name, e))?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }

    fn receive(
        &self,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, QueueError> {
        let request = self
            .conn
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(secs(wait.min(crate::MAX_WAIT)))
            .visibility_timeout(secs(visibility))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount);
        let out = self
            .conn
            .block(request.send())
            .map_err(|e| sdk_error(&self.name, e))?;
        Ok(out
            .messages()
            .iter()
            .map(|m| Received {
                message_id: m.message_id().unwrap_or_default().to_string(),
                receipt: m.receipt_handle().unwrap_or_default().to_string(),
                body: m.body().unwrap_or_default().to_string(),
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
            })
            .collect())
    }

    fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        let request = self
            .conn
            .client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt);
        self.conn
            .block(request.send())
            .map_err(|e| sdk_error(&self.name, e))?;
        Ok(())
    }

    fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError> {
        let request = self
            .conn
            .client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(secs(timeout));
        self.conn
            .block(request.send())
            .map_err(|e| sdk_error(&self.name, e))?;
        Ok(())
    }

    fn approximate_depth(&self) -> Result<Depth, QueueError> {
        let request = self
            .conn
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed);
        let out = self
            .conn
            .block(request.send())
            .map_err(|e| sdk_error(&self.name, e))?;
        let get = |name: QueueAttributeName| {
            out.attributes()
                .and_then(|a| a.get(&name))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Ok(Depth {
            visible: get(QueueAttributeName::ApproximateNumberOfMessages),
            in_flight: get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
            delayed: get(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
        })
    }
}

/// Creates (or opens) the dead-letter queue and one queue per stage, each
/// redriving to the dead-letter queue after `max_receives` receives, with
/// `visibility` as the default visibility timeout. Idempotent.
pub fn ensure_queues(
    conn: &Arc<SqsConnection>,
    names: &QueueNames,
    max_receives: u32,
    visibility: Duration,
) -> Result<(BTreeMap<Stage, SqsQueue>, SqsQueue), QueueError> {
    let fourteen_days = (14 * 24 * 3600).to_string();
    let dlq = conn.create(
        &names.dead_letter(),
        &[(QueueAttributeName::MessageRetentionPeriod, fourteen_days)],
    )?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq.arn()?,
        "maxReceiveCount": max_receives.clamp(1, 1000).to_string(),
    })
    .to_string();
    let mut stages = BTreeMap::new();
    for stage in Stage::ALL {
        let queue = conn.create(
            &names.stage(stage),
            &[
                (QueueAttributeName::RedrivePolicy, redrive.clone()),
                (
                    QueueAttributeName::VisibilityTimeout,
                    secs(visibility).to_string(),
                ),
            ],
        )?;
        stages.insert(stage, queue);
    }
    Ok((stages, dlq))
}
