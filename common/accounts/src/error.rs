//! What can go wrong, in terms a route can answer with: each variant maps
//! to one HTTP status (see `doctown-trigger`'s `accounts` module).

/// An error of the accounts layer.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// The database cannot be reached (down, pool closed, timed out): 503.
    #[error("the accounts database is unavailable: {0}")]
    Unavailable(String),
    /// No such row (or not visible to the caller): 404.
    #[error("{0}")]
    NotFound(String),
    /// Input that cannot be accepted: 400.
    #[error("{0}")]
    Invalid(String),
    /// Not signed in, or a credential that does not verify: 401.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in but not allowed: 403.
    #[error("{0}")]
    Forbidden(String),
    /// A plan's quota is used up (jobs this month, repository size,
    /// private repositories): 402.
    #[error("{0}")]
    Quota(String),
    /// Too many requests: 429 with `Retry-After` (seconds).
    #[error("{message}")]
    RateLimited { message: String, retry_after: u64 },
    /// A unique value already taken: 409.
    #[error("{0}")]
    Conflict(String),
    /// GitHub or Stripe answered with an error or not at all: 502.
    #[error("{0}")]
    Upstream(String),
    /// A feature the operator has not configured: 404 (with the reason).
    #[error("{0}")]
    NotConfigured(String),
    /// A bug or a corrupt row: 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AccountsError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AccountsError::Invalid(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AccountsError::NotFound(message.into())
    }
}

impl From<sqlx::Error> for AccountsError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => AccountsError::NotFound("not found".into()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AccountsError::Conflict("already exists".into())
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                AccountsError::Invalid("refers to a row that does not exist".into())
            }
            sqlx::Error::Database(_) | sqlx::Error::ColumnDecode { .. } => {
                AccountsError::Internal(e.to_string())
            }
            sqlx::Error::ColumnNotFound(_) | sqlx::Error::ColumnIndexOutOfBounds { .. } => {
                AccountsError::Internal(e.to_string())
            }
            _ => AccountsError::Unavailable(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for AccountsError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            other => AccountsError::Internal(format!("migration: {other}")),
        }
    }
}

pub type Result<T, E = AccountsError> = std::result::Result<T, E>;
