//! Databases for the tests: a fresh SQLite file, or a fresh database in the
//! PostgreSQL that `DOCTOWN_TEST_DATABASE_URL` names (scripts/test.sh starts
//! one with scripts/start-postgres.sh). Tests that need PostgreSQL are
//! ignored by a plain `cargo test` and fail, never pass, without it.
#![allow(dead_code)]

use doctown_accounts::crypto::random_alnum;
use doctown_accounts::db::sqlite_url;
use doctown_accounts::Db;

pub const NEEDS_POSTGRES: &str =
    "needs PostgreSQL (DOCTOWN_TEST_DATABASE_URL; scripts/test.sh starts one)";

/// A migrated SQLite database in a temporary directory (kept alive by the
/// returned guard).
pub async fn sqlite() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&sqlite_url(&dir.path().join("accounts.db")), 4)
        .await
        .unwrap();
    db.migrate_up().await.unwrap();
    (db, dir)
}

/// The URL of a fresh, empty PostgreSQL database.
pub async fn postgres_url() -> String {
    let base = std::env::var("DOCTOWN_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("{NEEDS_POSTGRES}: DOCTOWN_TEST_DATABASE_URL is not set; run `bash scripts/start-postgres.sh` and export what it prints")
    });
    let admin = Db::connect(&base, 1)
        .await
        .expect("PostgreSQL at DOCTOWN_TEST_DATABASE_URL answers");
    let name = format!("t_{}", random_alnum(12));
    // The name is made here from [a-z0-9]; CREATE DATABASE takes no parameters.
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin.pool)
        .await
        .unwrap();
    admin.pool.close().await;
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// A migrated, fresh PostgreSQL database.
pub async fn postgres() -> Db {
    let db = Db::connect(&postgres_url().await, 4).await.unwrap();
    db.migrate_up().await.unwrap();
    db
}
