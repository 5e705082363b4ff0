//! Docpack rows: the library (a user's docpacks, the public gallery),
//! visibility, and share links.
//!
//! A share link's token is 32 random bytes. The database keeps its SHA-256
//! (to find the docpack) and the token sealed with the keyring (so its owner
//! can see the link again); revoking deletes both, and the link stops
//! working at once.

use crate::crypto::{random_token, sha256_hex, Keyring, Sealed};
use crate::db::Db;
use crate::error::{AccountsError, Result};
use crate::jobs::{cursor_or_top, Visibility};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A docpack of the library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocpackRow {
    pub job_id: String,
    pub owner_id: Option<i64>,
    /// The owner's GitHub login (`null` for anonymous builds).
    pub owner: Option<String>,
    pub name: String,
    pub source: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    pub checksum: Option<String>,
    pub size: Option<i64>,
    #[serde(skip)]
    pub storage_key: String,
    pub visibility: Visibility,
    /// Whether a share link is live.
    pub shared: bool,
    pub created_at: i64,
    /// The job's status (`succeeded` or `partial`) and times, when its row is there.
    #[serde(skip)]
    pub job_status: Option<String>,
    #[serde(skip)]
    pub job_created_at: Option<i64>,
    #[serde(skip)]
    pub job_finished_at: Option<i64>,
}

const DOCPACK_COLUMNS: &str = "d.job_id, d.owner_id, u.login AS owner_login, d.name, d.source, \
     d.git_ref, d.commit_sha, d.checksum, d.size_bytes, d.storage_key, d.visibility, \
     d.share_token_hash, d.created_at, j.status AS job_status, j.created_at AS job_created_at, \
     j.finished_at AS job_finished_at";

/// A docpack with its owner's login and its job's status and times.
const DOCPACK_FROM: &str = "FROM docpacks d LEFT JOIN users u ON u.id = d.owner_id \
     LEFT JOIN jobs j ON j.id = d.job_id";

fn docpack_from_row(row: &AnyRow) -> Result<DocpackRow> {
    let visibility: String = row.try_get("visibility")?;
    let share: Option<String> = row.try_get("share_token_hash")?;
    Ok(DocpackRow {
        job_id: row.try_get("job_id")?,
        owner_id: row.try_get("owner_id")?,
        owner: row.try_get("owner_login")?,
        name: row.try_get("name")?,
        source: row.try_get("source")?,
        git_ref: row.try_get("git_ref")?,
        commit: row.try_get("commit_sha")?,
        checksum: row.try_get("checksum")?,
        size: row.try_get("size_bytes")?,
        storage_key: row.try_get("storage_key")?,
        visibility: Visibility::parse(&visibility)?,
        shared: share.is_some(),
        created_at: row.try_get("created_at")?,
        job_status: row.try_get("job_status")?,
        job_created_at: row.try_get("job_created_at")?,
        job_finished_at: row.try_get("job_finished_at")?,
    })
}

fn share_context(job_id: &str) -> String {
    format!("share_token:{job_id}")
}

impl Db {
    /// The user's docpacks, newest first, after `cursor` (a job id).
    pub async fn docpacks_of(
        &self,
        owner: i64,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DocpackRow>> {
        let sql = format!(
            "SELECT {DOCPACK_COLUMNS} {DOCPACK_FROM} \
             WHERE d.owner_id = $1 AND d.job_id < $2 ORDER BY d.job_id DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(owner)
            .bind(cursor_or_top(cursor))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(docpack_from_row).collect()
    }

    /// Public docpacks (the gallery), newest first.
    pub async fn public_docpacks(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DocpackRow>> {
        let sql = format!(
            "SELECT {DOCPACK_COLUMNS} {DOCPACK_FROM} \
             WHERE d.visibility = 'public' AND d.job_id < $1 ORDER BY d.job_id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(cursor_or_top(cursor))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(docpack_from_row).collect()
    }

    pub async fn docpack(&self, job_id: &str) -> Result<Option<DocpackRow>> {
        let sql = format!(
            "SELECT {DOCPACK_COLUMNS} {DOCPACK_FROM} \
             WHERE d.job_id = $1"
        );
        let row = sqlx::query(&sql)
            .bind(job_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(docpack_from_row).transpose()
    }

    /// The docpack a live share token opens.
    pub async fn docpack_by_share(&self, token: &str) -> Result<Option<DocpackRow>> {
        let sql = format!(
            "SELECT {DOCPACK_COLUMNS} {DOCPACK_FROM} \
             WHERE d.share_token_hash = $1"
        );
        let row = sqlx::query(&sql)
            .bind(sha256_hex(token))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(docpack_from_row).transpose()
    }

    /// Makes one of the owner's jobs (and its docpack) public or private.
    pub async fn set_visibility(
        &self,
        owner: i64,
        job_id: &str,
        visibility: Visibility,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE jobs SET visibility = $1 WHERE id = $2 AND owner_id = $3")
            .bind(visibility.as_str())
            .bind(job_id)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AccountsError::not_found(format!("job {job_id} not found")));
        }
        sqlx::query("UPDATE docpacks SET visibility = $1 WHERE job_id = $2 AND owner_id = $3")
            .bind(visibility.as_str())
            .bind(job_id)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates (or replaces) the share link of one of the owner's
    /// docpacks; returns its token.
    pub async fn create_share(
        &self,
        owner: i64,
        job_id: &str,
        keyring: &Keyring,
    ) -> Result<String> {
        let token = random_token();
        let sealed = keyring.seal(token.as_bytes(), &share_context(job_id))?;
        let done = sqlx::query(
            "UPDATE docpacks SET share_token_hash = $1, share_token = $2, share_token_key = $3, \
             shared_at = $4 WHERE job_id = $5 AND owner_id = $6",
        )
        .bind(sha256_hex(&token))
        .bind(sealed.bytes)
        .bind(sealed.key_id)
        .bind(crate::db::now_ms())
        .bind(job_id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AccountsError::not_found(format!(
                "no docpack for job {job_id}"
            )));
        }
        Ok(token)
    }

    /// The live share token of one of the owner's docpacks.
    pub async fn share_token(
        &self,
        owner: i64,
        job_id: &str,
        keyring: &Keyring,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT share_token, share_token_key FROM docpacks WHERE job_id = $1 AND owner_id = $2",
        )
        .bind(job_id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| AccountsError::not_found(format!("no docpack for job {job_id}")))?;
        let bytes: Option<Vec<u8>> = row.try_get("share_token")?;
        let key_id: Option<String> = row.try_get("share_token_key")?;
        let (Some(bytes), Some(key_id)) = (bytes, key_id) else {
            return Ok(None);
        };
        let plain = keyring.open(&Sealed { key_id, bytes }, &share_context(job_id))?;
        Ok(String::from_utf8(plain).ok())
    }

    /// Re-encrypts every share token sealed with a key other than the
    /// current one; returns how many (key rotation).
    pub async fn reseal_share_tokens(&self, keyring: &Keyring) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT job_id, share_token, share_token_key FROM docpacks \
             WHERE share_token IS NOT NULL AND share_token_key <> $1",
        )
        .bind(keyring.current_id())
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let job_id: String = row.try_get("job_id")?;
            let context = share_context(&job_id);
            let sealed = Sealed {
                key_id: row.try_get("share_token_key")?,
                bytes: row.try_get("share_token")?,
            };
            let fresh = keyring.seal(&keyring.open(&sealed, &context)?, &context)?;
            sqlx::query(
                "UPDATE docpacks SET share_token = $1, share_token_key = $2 WHERE job_id = $3",
            )
            .bind(fresh.bytes)
            .bind(fresh.key_id)
            .bind(&job_id)
            .execute(&self.pool)
            .await?;
        }
        Ok(rows.len() as u64)
    }

    /// Revokes the share link of one of the owner's docpacks.
    pub async fn revoke_share(&self, owner: i64, job_id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE docpacks SET share_token_hash = NULL, share_token = NULL, share_token_key = NULL, \
             shared_at = NULL WHERE job_id = $1 AND owner_id = $2",
        )
        .bind(job_id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AccountsError::not_found(format!(
                "no docpack for job {job_id}"
            )));
        }
        Ok(())
    }
}
