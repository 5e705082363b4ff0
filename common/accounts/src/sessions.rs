//! Server-side sessions and the OAuth `state` store.
//!
//! A session cookie carries 32 random bytes; the database keeps only their
//! SHA-256, with the session's CSRF token and expiry. Signing in issues a
//! new session (and deletes the one the browser had: rotation); signing out
//! deletes it. An OAuth `state` is stored hashed with its PKCE verifier,
//! used once (deleted as it is read) and expires.

use crate::crypto::{random_token, sha256_hex};
use crate::db::{now_ms, Db};
use crate::error::{AccountsError, Result};
use crate::users::{user_from_row, User, USER_COLUMNS};
use sqlx::Row;
use std::time::Duration;

/// A new session: the cookie value and the CSRF token (both shown to the
/// browser; only the cookie's hash is stored).
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A session found by its cookie.
#[derive(Clone, PartialEq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A taken OAuth state.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthState {
    pub pkce_verifier: String,
    pub redirect_to: String,
}

// Debug output goes to logs: the secrets are left out.
impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthState")
            .field("redirect_to", &self.redirect_to)
            .finish_non_exhaustive()
    }
}

/// Sessions seen within this long are not touched again (fewer writes).
const TOUCH_EVERY_MS: i64 = 3_600_000;

impl Db {
    /// Starts a session for `user_id`; deletes `replacing` (the session the
    /// browser had) so that a sign-in always rotates the cookie.
    pub async fn create_session(
        &self,
        user_id: i64,
        ttl: Duration,
        replacing: Option<&str>,
    ) -> Result<NewSession> {
        if let Some(old) = replacing {
            self.delete_session(old).await?;
        }
        let token = random_token();
        let csrf_token = random_token();
        let now = now_ms();
        let expires_at = now + ttl.as_millis() as i64;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(sha256_hex(&token))
        .bind(user_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(NewSession {
            token,
            csrf_token,
            expires_at,
        })
    }

    /// The live session of a cookie value, extending it by `ttl` when it
    /// is used, but never past `max_age` after it was made (a stolen
    /// cookie that is kept in use still dies).
    pub async fn session(
        &self,
        token: &str,
        ttl: Duration,
        max_age: Duration,
    ) -> Result<Option<Session>> {
        let now = now_ms();
        let born_after = now.saturating_sub(max_age.as_millis().min(i64::MAX as u128) as i64);
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at, s.last_seen_at, s.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.created_at > $3"
        );
        let hash = sha256_hex(token);
        let row = sqlx::query(&sql)
            .bind(&hash)
            .bind(now)
            .bind(born_after)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let created: i64 = row.try_get("created_at")?;
        let mut expires_at: i64 = row.try_get("expires_at")?;
        if now - last_seen > TOUCH_EVERY_MS {
            let end_of_life =
                created.saturating_add(max_age.as_millis().min(i64::MAX as u128) as i64);
            expires_at = (now + ttl.as_millis() as i64).min(end_of_life);
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3",
            )
            .bind(now)
            .bind(expires_at)
            .bind(&hash)
            .execute(&self.pool)
            .await?;
        }
        Ok(Some(Session {
            user: user_from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at,
        }))
    }

    /// Ends every session of `user_id` ("sign out everywhere"); returns how many.
    pub async fn delete_sessions_of(&self, user_id: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Ends a session (sign-out). Unknown tokens are fine.
    pub async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(sha256_hex(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a new OAuth state with its PKCE verifier; returns the state.
    pub async fn create_oauth_state(
        &self,
        pkce_verifier: &str,
        redirect_to: &str,
        ttl: Duration,
    ) -> Result<String> {
        let state = random_token();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, pkce_verifier, redirect_to, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sha256_hex(&state))
        .bind(pkce_verifier)
        .bind(redirect_to)
        .bind(now)
        .bind(now + ttl.as_millis() as i64)
        .execute(&self.pool)
        .await?;
        Ok(state)
    }

    /// Takes a state: deleted as it is read, so it works once. Unknown,
    /// used and expired states are refused alike.
    pub async fn take_oauth_state(&self, state: &str) -> Result<OAuthState> {
        let row = sqlx::query(
            "DELETE FROM oauth_states WHERE state_hash = $1 \
             RETURNING pkce_verifier, redirect_to, expires_at",
        )
        .bind(sha256_hex(state))
        .fetch_optional(&self.pool)
        .await?;
        let refused = || {
            AccountsError::Unauthorized(
                "the sign-in link is unknown, used or expired: sign in again".into(),
            )
        };
        let row = row.ok_or_else(refused)?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= now_ms() {
            return Err(refused());
        }
        Ok(OAuthState {
            pkce_verifier: row.try_get("pkce_verifier")?,
            redirect_to: row.try_get("redirect_to")?,
        })
    }

    /// Deletes expired sessions and states; returns how many.
    pub async fn purge_expired(&self) -> Result<u64> {
        let now = now_ms();
        let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        let b = sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(a.rows_affected() + b.rows_affected())
    }
}
