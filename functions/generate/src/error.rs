//! Errors of the generate stage: one line each, saying what to do about it,
//! and whether a retry can help ([`GenerateError::kind`]).
//!
//! Failures of single requests are not errors of the stage: the symbols they
//! covered get a flagged facts summary and the stage ends `partial`. These
//! are the failures that stop the whole run.

use doctown_core::ErrorKind;
use doctown_pipeline::StageFailure;
use doctown_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("invalid generate configuration: {0}")]
    Config(String),
    #[error(
        "the openai backend needs an API key: set DOCTOWN_LLM_API_KEY or OPENAI_API_KEY \
         (or choose backend \"facts\"); for a local server without auth set any non-empty key"
    )]
    MissingApiKey,
    #[error("the model API at {base_url} rejected the credentials ({status}): {message}; check the API key and organisation")]
    Unauthorized {
        base_url: String,
        status: u16,
        message: String,
    },
    #[error("the model API at {base_url} refused the request ({status}): {message}")]
    Refused {
        base_url: String,
        status: u16,
        message: String,
    },
    #[error("cannot reach the model API at {base_url} after {attempts} attempts: {message}")]
    Unreachable {
        base_url: String,
        attempts: u32,
        message: String,
    },
    #[error(
        "estimated cost ${estimated:.4} exceeds max_cost ${max_cost:.4} ({symbols} symbols for {model}); \
         raise max_cost, set llm_top or budget_usd, or use the facts backend"
    )]
    CostLimit {
        estimated: f64,
        max_cost: f64,
        symbols: usize,
        model: String,
    },
    #[error(
        "no price is known for model {model:?}, so {limit} cannot be kept: set DOCTOWN_LLM_PRICE=INPUT,OUTPUT \
         (dollars per million tokens; 0,0 for a free local model) or `prices` in the options, \
         or run without limits (--all-symbols, no --max-cost)"
    )]
    UnknownPrice { model: String, limit: String },
    #[error("the assemble artifacts are missing ({key}): run the assemble stage first")]
    MissingInput { key: String },
    #[error("invalid artifact {key}: {message}")]
    BadInput { key: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
    #[error("cancelled")]
    Cancelled,
}

impl GenerateError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            GenerateError::Config(_)
            | GenerateError::MissingApiKey
            | GenerateError::Unauthorized { .. }
            | GenerateError::Refused { .. }
            | GenerateError::CostLimit { .. }
            | GenerateError::UnknownPrice { .. }
            | GenerateError::MissingInput { .. }
            | GenerateError::BadInput { .. }
            | GenerateError::Cancelled => ErrorKind::Invalid,
            GenerateError::Unreachable { .. } => ErrorKind::Transient,
            GenerateError::Runtime(_) => ErrorKind::Internal,
            GenerateError::Store(e) => e.kind(),
        }
    }
}

impl From<GenerateError> for StageFailure {
    fn from(e: GenerateError) -> Self {
        StageFailure::new(e.kind(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_one_line_messages() {
        let errors = [
            GenerateError::MissingApiKey,
            GenerateError::CostLimit {
                estimated: 1.5,
                max_cost: 1.0,
                symbols: 3,
                model: "m".into(),
            },
            GenerateError::Unreachable {
                base_url: "http://x".into(),
                attempts: 3,
                message: "refused".into(),
            },
        ];
        for e in &errors {
            assert!(!e.to_string().contains('\n'), "{e}");
        }
        assert_eq!(errors[0].kind(), ErrorKind::Invalid);
        assert_eq!(errors[2].kind(), ErrorKind::Transient);
        assert!(errors[1].to_string().contains("$1.5000"));
    }
}
