//! The messages on the queues: versioned JSON pointers to work, and the
//! envelope of what the workers move to the dead-letter queue.

use doctown_core::{JobId, Stage};
use serde::{Deserialize, Serialize};

/// Bodies longer than this are not stage messages.
const MAX_BODY: usize = 16 * 1024;

/// "Run `stage` (shard `shard`) of job `job_id`": a pointer, never a
/// payload — everything else is in the job's state document and artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageMessage {
    /// Schema version ([`StageMessage::VERSION`]).
    pub v: u32,
    pub job_id: JobId,
    pub stage: Stage,
    /// One shard of a fanned-out stage; absent: the whole stage, or the
    /// fan-in of a fanned-out one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
    /// 1 for the first try; a retry carries the next number.
    pub attempt: u32,
}

/// Why a body is not a usable stage message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("message body of {0} bytes is too large for a pointer")]
    TooLarge(usize),
    #[error("message is not a stage message: {0}")]
    Malformed(String),
    #[error("message version {0} is not supported (expected {1})")]
    Version(u32, u32),
}

impl StageMessage {
    pub const VERSION: u32 = 1;

    pub fn new(job_id: JobId, stage: Stage, shard: Option<u32>, attempt: u32) -> Self {
        StageMessage {
            v: Self::VERSION,
            job_id,
            stage,
            shard,
            attempt,
        }
    }

    /// Parses a body, rejecting anything that is not exactly a v1 pointer.
    pub fn parse(body: &str) -> Result<StageMessage, MessageError> {
        if body.len() > MAX_BODY {
            return Err(MessageError::TooLarge(body.len()));
        }
        let message: StageMessage =
            serde_json::from_str(body).map_err(|e| MessageError::Malformed(e.to_string()))?;
        if message.v != Self::VERSION {
            return Err(MessageError::Version(message.v, Self::VERSION));
        }
        if message.attempt == 0 {
            return Err(MessageError::Malformed("attempt must be at least 1".into()));
        }
        Ok(message)
    }

    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What a worker sends to the dead-letter queue: the original body and why.
/// (Messages SQS itself redrives after too many receives arrive bare.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub v: u32,
    /// The queue the message came from.
    pub source: String,
    pub reason: String,
    /// The original body, verbatim.
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<JobId>,
}

impl DeadLetter {
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a dead-letter queue entry: an envelope, or a bare body that
    /// SQS redrove.
    pub fn parse(body: &str) -> DeadLetter {
        serde_json::from_str(body).unwrap_or_else(|_| DeadLetter {
            v: 1,
            source: String::new(),
            reason: "redriven after too many receives".into(),
            body: body.to_string(),
            job_id: StageMessage::parse(body).ok().map(|m| m.job_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_junk() {
        let m = StageMessage::new(JobId::new("j-1").unwrap(), Stage::Embed, Some(3), 2);
        let body = m.to_body();
        assert_eq!(
            body,
            r#"{"v":1,"job_id":"j-1","stage":"embed","shard":3,"attempt":2}"#
        );
        assert_eq!(StageMessage::parse(&body).unwrap(), m);
        let whole = r#"{"v":1,"job_id":"j","stage":"pack","attempt":1}"#;
        assert_eq!(StageMessage::parse(whole).unwrap().shard, None);
        for bad in [
            "",
            "not json",
            "[]",
            r#"{"v":1,"job_id":"../x","stage":"pack","attempt":1}"#,
            r#"{"v":1,"job_id":"j","stage":"bake","attempt":1}"#,
            r#"{"v":1,"job_id":"j","stage":"pack","attempt":0}"#,
            r#"{"v":1,"job_id":"j","stage":"pack","attempt":1,"payload":"x"}"#,
            r#"{"v":1,"job_id":"j","stage":"pack","shard":-1,"attempt":1}"#,
        ] {
            assert!(
                matches!(StageMessage::parse(bad), Err(MessageError::Malformed(_))),
                "{bad}"
            );
        }
        assert_eq!(
            StageMessage::parse(r#"{"v":2,"job_id":"j","stage":"pack","attempt":1}"#),
            Err(MessageError::Version(2, 1))
        );
        assert!(matches!(
            StageMessage::parse(&"x".repeat(20_000)),
            Err(MessageError::TooLarge(_))
        ));
    }

    #[test]
    fn dead_letters_parse_bare_or_wrapped() {
        let body = r#"{"v":1,"job_id":"j","stage":"pack","attempt":1}"#;
        let bare = DeadLetter::parse(body);
        assert_eq!(bare.body, body);
        assert_eq!(bare.job_id.unwrap().as_str(), "j");
        let wrapped = DeadLetter {
            v: 1,
            source: "doctown-pack".into(),
            reason: "malformed".into(),
            body: "junk".into(),
            job_id: None,
        };
        assert_eq!(DeadLetter::parse(&wrapped.to_body()), wrapped);
    }
}
