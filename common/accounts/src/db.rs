//! The database: a sqlx `Any` pool over SQLite (the embedded default, a
//! file in the store directory) or PostgreSQL (`DATABASE_URL`), and the
//! migrations (up and down) embedded per backend.
//!
//! Queries are written once with `$1`-style placeholders, which both
//! PostgreSQL and sqlx's SQLite driver bind by number, and use only types
//! both schemas share (BIGINT/INTEGER, TEXT, BYTEA/BLOB). Every value a
//! user gives is bound, never formatted into SQL.

use crate::error::{AccountsError, Result};
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::AnyPool;
use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a database URL, or an error naming what is accepted.
    pub fn of_url(url: &str) -> Result<Backend> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(AccountsError::invalid(
                "DATABASE_URL must start with postgres:// (or sqlite:)",
            )),
        }
    }
}

/// One embedded migration: version, description, up and down SQL.
struct Embedded {
    version: i64,
    description: &'static str,
    up: &'static str,
    down: &'static str,
}

/// The migrations of one backend, from `migrations/<backend>/`.
macro_rules! embedded {
    ($backend:literal: $($version:literal $file:literal $description:literal),+ $(,)?) => {
        &[$(Embedded {
            version: $version,
            description: $description,
            up: include_str!(concat!("../migrations/", $backend, "/", $file, ".up.sql")),
            down: include_str!(concat!("../migrations/", $backend, "/", $file, ".down.sql")),
        }),+]
    };
}

const SQLITE: &[Embedded] = embedded!("sqlite":
    1 "0001_accounts" "accounts",
    2 "0002_security" "security",
);
const POSTGRES: &[Embedded] = embedded!("postgres":
    1 "0001_accounts" "accounts",
    2 "0002_security" "security",
);

/// The embedded migrations of one backend, as sqlx's migration source.
#[derive(Debug, Clone, Copy)]
struct EmbeddedSource(Backend);

impl<'s> MigrationSource<'s> for EmbeddedSource {
    fn resolve(
        self,
    ) -> futures_core_shim::BoxFuture<'s, Result<Vec<Migration>, sqlx::error::BoxDynError>> {
        Box::pin(async move { Ok(migrations(self.0)) })
    }
}

mod futures_core_shim {
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

fn migrations(backend: Backend) -> Vec<Migration> {
    let set = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let mut out = Vec::new();
    for m in set {
        let desc = Cow::Borrowed(m.description);
        out.push(Migration::new(
            m.version,
            desc.clone(),
            MigrationType::ReversibleUp,
            Cow::Borrowed(m.up),
            false,
        ));
        out.push(Migration::new(
            m.version,
            desc,
            MigrationType::ReversibleDown,
            Cow::Borrowed(m.down),
            false,
        ));
    }
    out
}

/// The newest migration version this build knows.
pub fn latest_version() -> i64 {
    SQLITE.iter().map(|m| m.version).max().unwrap_or(0)
}

/// A pool and its backend. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// The SQLite URL of a database file (created when missing).
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

impl Db {
    /// Connects to `url` (`postgres://…` or `sqlite://…`), with at most
    /// `max_connections` and a short acquire timeout so that a database that
    /// is down answers quickly (503) instead of holding requests.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(3));
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 5000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = options
            .connect(url)
            .await
            .map_err(|e| AccountsError::Unavailable(redact(url, &e.to_string())))?;
        Ok(Db { pool, backend })
    }

    async fn migrator(&self) -> Result<Migrator> {
        Ok(Migrator::new(EmbeddedSource(self.backend)).await?)
    }

    /// Applies every migration not applied yet.
    pub async fn migrate_up(&self) -> Result<()> {
        self.migrator().await?.run(&self.pool).await?;
        Ok(())
    }

    /// Reverts migrations down to `target` (0: everything).
    pub async fn migrate_down(&self, target: i64) -> Result<()> {
        self.migrator().await?.undo(&self.pool, target).await?;
        Ok(())
    }

    /// The names of the tables that exist (migration bookkeeping excluded).
    pub async fn tables(&self) -> Result<Vec<String>> {
        use sqlx::Row;
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT CAST(tablename AS TEXT) AS name FROM pg_tables WHERE schemaname = current_schema() \
                 AND tablename <> '_sqlx_migrations' ORDER BY tablename"
            }
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("name").map_err(Into::into))
            .collect()
    }

    /// Whether the database answers (for health checks).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A database URL with its password replaced by `***` (for logs and Debug).
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => "<unparsable URL>".to_string(),
    }
}

/// A connection error without the URL's password.
fn redact(url: &str, message: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.password().is_some() => {
            let password = parsed.password().unwrap_or_default();
            message.replace(password, "***")
        }
        _ => message.to_string(),
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
