//! API keys: `dt_<prefix>_<secret>`, shown once, stored as the prefix (to
//! find the row) and the SHA-256 of the whole key (compared in constant
//! time), with scopes and the time of last use.

use crate::crypto::{ct_eq, random_alnum, sha256_hex};
use crate::db::{now_ms, Db};
use crate::error::{AccountsError, Result};
use crate::users::{user_from_row, User, USER_COLUMNS};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// The most keys a user may hold at once.
pub const MAX_KEYS_PER_USER: i64 = 50;
/// Keys used within this long do not get `last_used_at` rewritten.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// What a key may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read the owner's jobs, events, docpacks, library and usage.
    Read,
    /// Start and cancel jobs, estimate (and read).
    Build,
    /// Everything the owner can do from the website, keys and billing included.
    Admin,
}

impl Scope {
    pub fn parse(text: &str) -> Result<Scope> {
        match text.trim() {
            "read" => Ok(Scope::Read),
            "build" => Ok(Scope::Build),
            "admin" => Ok(Scope::Admin),
            other => Err(AccountsError::invalid(format!(
                "unknown scope {other:?}: read, build or admin"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Build => "build",
            Scope::Admin => "admin",
        }
    }
}

/// Whether `granted` scopes allow `needed` (admin ⊇ build ⊇ read).
pub fn allows(granted: &[Scope], needed: Scope) -> bool {
    granted.iter().any(|g| *g >= needed)
}

/// A key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// `dt_<prefix>`: enough to recognise a key, useless to use it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

fn key_from_row(row: &AnyRow) -> Result<ApiKey> {
    let scopes: String = row.try_get("scopes")?;
    Ok(ApiKey {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        prefix: format!("dt_{}", row.try_get::<String, _>("prefix")?),
        scopes: scopes
            .split(',')
            .filter_map(|s| Scope::parse(s).ok())
            .collect(),
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

/// Splits `dt_<prefix>_<secret>`.
fn parse_key(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix("dt_")?;
    let (prefix, secret) = rest.split_once('_')?;
    (prefix.len() == 12 && secret.len() == 40).then_some(prefix)
}

/// Whether a bearer token looks like a Doctown user key.
pub fn is_user_key(presented: &str) -> bool {
    presented.starts_with("dt_")
}

impl Db {
    /// Creates a key; returns it listed and its secret (shown once).
    pub async fn create_key(
        &self,
        user_id: i64,
        name: &str,
        scopes: &[Scope],
    ) -> Result<(ApiKey, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AccountsError::invalid(
                "a key's name is 1-100 printable characters",
            ));
        }
        if scopes.is_empty() {
            return Err(AccountsError::invalid("a key needs at least one scope"));
        }
        let held: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        if held >= MAX_KEYS_PER_USER {
            return Err(AccountsError::Conflict(format!(
                "you hold {MAX_KEYS_PER_USER} keys, the most allowed: revoke one first"
            )));
        }
        let prefix = random_alnum(12);
        let secret = format!("dt_{prefix}_{}", random_alnum(40));
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let scope_text: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let row = sqlx::query(
            "INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, name, prefix, scopes, created_at, last_used_at",
        )
        .bind(user_id)
        .bind(name)
        .bind(&prefix)
        .bind(sha256_hex(&secret))
        .bind(scope_text.join(","))
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok((key_from_row(&row)?, secret))
    }

    /// The user's keys that are not revoked, newest first.
    pub async fn keys(&self, user_id: i64) -> Result<Vec<ApiKey>> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, scopes, created_at, last_used_at FROM api_keys \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes one of the user's keys (404 for anybody else's).
    pub async fn revoke_key(&self, user_id: i64, key_id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(key_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AccountsError::not_found(format!("no key {key_id}")));
        }
        Ok(())
    }

    /// The user and key a presented key belongs to, or `None`. The hash is
    /// compared in constant time; a key used records its time of use.
    pub async fn verify_key(&self, presented: &str) -> Result<Option<(User, ApiKey)>> {
        let presented_hash = sha256_hex(presented);
        let Some(prefix) = parse_key(presented) else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {USER_COLUMNS}, k.id AS key_id, k.name AS key_name, k.prefix, k.key_hash, \
             k.scopes, k.created_at AS key_created_at, k.last_used_at \
             FROM api_keys k JOIN users u ON u.id = k.user_id \
             WHERE k.prefix = $1 AND k.revoked_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(prefix)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.try_get("key_hash")?;
        if !ct_eq(&stored, &presented_hash) {
            return Ok(None);
        }
        let scopes: String = row.try_get("scopes")?;
        let key = ApiKey {
            id: row.try_get("key_id")?,
            name: row.try_get("key_name")?,
            prefix: format!("dt_{prefix}"),
            scopes: scopes
                .split(',')
                .filter_map(|s| Scope::parse(s).ok())
                .collect(),
            created_at: row.try_get("key_created_at")?,
            last_used_at: row.try_get("last_used_at")?,
        };
        self.touch_key(key.id).await?;
        Ok(Some((user_from_row(&row)?, key)))
    }

    async fn touch_key(&self, key_id: i64) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(key_id)
        .bind(now - LAST_USED_GRANULARITY_MS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest() {
        assert!(allows(&[Scope::Admin], Scope::Read));
        assert!(allows(&[Scope::Build], Scope::Read));
        assert!(!allows(&[Scope::Read], Scope::Build));
        assert!(!allows(&[], Scope::Read));
        assert!(Scope::parse("root").is_err());
    }

    #[test]
    fn keys_parse() {
        let key = format!("dt_{}_{}", "a".repeat(12), "b".repeat(40));
        assert_eq!(parse_key(&key), Some("aaaaaaaaaaaa"));
        assert_eq!(parse_key("dt_short_x"), None);
        assert_eq!(parse_key("sk_live_x"), None);
    }
}
