//! The queues of one deployment: a queue per stage and a dead-letter queue.

use crate::{MemoryQueue, Queue};
use doctown_core::Stage;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Queue names: `<prefix>-<stage>` and `<prefix>-dlq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueNames {
    pub prefix: String,
}

impl Default for QueueNames {
    fn default() -> Self {
        QueueNames {
            prefix: "doctown".into(),
        }
    }
}

impl QueueNames {
    pub fn new(prefix: impl Into<String>) -> QueueNames {
        QueueNames {
            prefix: prefix.into(),
        }
    }

    pub fn stage(&self, stage: Stage) -> String {
        format!("{}-{stage}", self.prefix)
    }

    pub fn dead_letter(&self) -> String {
        format!("{}-dlq", self.prefix)
    }
}

/// Every stage's queue and the dead-letter queue.
#[derive(Clone)]
pub struct QueueSet {
    stages: BTreeMap<Stage, Arc<dyn Queue>>,
    dead_letter: Arc<dyn Queue>,
}

impl QueueSet {
    pub fn new(stages: BTreeMap<Stage, Arc<dyn Queue>>, dead_letter: Arc<dyn Queue>) -> QueueSet {
        QueueSet {
            stages,
            dead_letter,
        }
    }

    /// In-process queues redriving after `max_receives` receives.
    pub fn memory(max_receives: u32) -> QueueSet {
        let names = QueueNames::default();
        let dlq = MemoryQueue::new(&names.dead_letter());
        let stages = Stage::ALL
            .into_iter()
            .map(|s| {
                let q = MemoryQueue::new(&names.stage(s)).with_redrive(&dlq, max_receives);
                (s, Arc::new(q) as Arc<dyn Queue>)
            })
            .collect();
        QueueSet::new(stages, Arc::new(dlq))
    }

    /// The SQS queues of a deployment, created if missing.
    #[cfg(feature = "sqs")]
    pub fn sqs(
        conn: &Arc<crate::SqsConnection>,
        names: &QueueNames,
        max_receives: u32,
        visibility: std::time::Duration,
    ) -> Result<QueueSet, crate::QueueError> {
        let (stages, dlq) = crate::ensure_queues(conn, names, max_receives, visibility)?;
        Ok(QueueSet::new(
            stages
                .into_iter()
                .map(|(s, q)| (s, Arc::new(q) as Arc<dyn Queue>))
                .collect(),
            Arc::new(dlq),
        ))
    }

    /// Opens a deployment's existing SQS queues (they are not created).
    #[cfg(feature = "sqs")]
    pub fn open_sqs(
        conn: &Arc<crate::SqsConnection>,
        names: &QueueNames,
    ) -> Result<QueueSet, crate::QueueError> {
        let mut stages = BTreeMap::new();
        for stage in Stage::ALL {
            let queue = conn.queue(&names.stage(stage))?;
            stages.insert(stage, Arc::new(queue) as Arc<dyn Queue>);
        }
        let dlq = conn.queue(&names.dead_letter())?;
        Ok(QueueSet::new(stages, Arc::new(dlq)))
    }

    /// The queue of a stage.
    pub fn stage(&self, stage: Stage) -> Result<&Arc<dyn Queue>, crate::QueueError> {
        self.stages
            .get(&stage)
            .ok_or_else(|| crate::QueueError::NotFound {
                queue: format!("(the {stage} stage queue)"),
            })
    }

    pub fn dead_letter(&self) -> &Arc<dyn Queue> {
        &self.dead_letter
    }
}
