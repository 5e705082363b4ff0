//! Users: upserted by GitHub id at sign-in; their plan, billing state and
//! (encrypted) GitHub token.

use crate::crypto::{Keyring, Sealed};
use crate::db::{now_ms, Db};
use crate::error::Result;
use crate::plans::PlanName;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A signed-up user.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct User {
    pub id: i64,
    pub github_id: i64,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    /// The plan paid for.
    pub plan: PlanName,
    /// `none`, `active`, `past_due` or `canceled` (Stripe's subscription).
    pub billing_status: String,
    #[serde(skip)]
    pub stripe_customer_id: Option<String>,
    pub created_at: i64,
}

impl User {
    /// The plan whose limits apply: Free while a payment is past due.
    pub fn effective_plan(&self) -> PlanName {
        if self.billing_status == "past_due" {
            PlanName::Free
        } else {
            self.plan
        }
    }
}

/// What GitHub says about the user signing in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitHubProfile {
    pub id: i64,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.github_id, u.login, u.name, u.email, u.avatar_url, \
     u.plan, u.billing_status, u.stripe_customer_id, u.created_at";

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    let plan: String = row.try_get("plan")?;
    Ok(User {
        id: row.try_get("id")?,
        github_id: row.try_get("github_id")?,
        login: row.try_get("login")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        avatar_url: row.try_get("avatar_url")?,
        plan: PlanName::parse(&plan).unwrap_or(PlanName::Free),
        billing_status: row.try_get("billing_status")?,
        stripe_customer_id: row.try_get("stripe_customer_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The associated data a user's GitHub token is sealed with.
fn token_context(github_id: i64) -> String {
    format!("github_token:{github_id}")
}

impl Db {
    /// Creates or updates the user with this GitHub id; stores `token`
    /// sealed under the keyring's current key.
    pub async fn upsert_github_user(
        &self,
        profile: &GitHubProfile,
        token: Option<&str>,
        keyring: &Keyring,
    ) -> Result<User> {
        let sealed = token
            .map(|t| keyring.seal(t.as_bytes(), &token_context(profile.id)))
            .transpose()?;
        let (bytes, key_id) = match sealed {
            Some(Sealed { bytes, key_id }) => (Some(bytes), Some(key_id)),
            None => (None, None),
        };
        let now = now_ms();
        sqlx::query(
            "INSERT INTO users (github_id, login, name, email, avatar_url, github_token, \
             github_token_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (github_id) DO UPDATE SET login = excluded.login, name = excluded.name, \
             email = excluded.email, avatar_url = excluded.avatar_url, \
             github_token = COALESCE(excluded.github_token, users.github_token), \
             github_token_key = COALESCE(excluded.github_token_key, users.github_token_key), \
             updated_at = excluded.updated_at",
        )
        .bind(profile.id)
        .bind(&profile.login)
        .bind(&profile.name)
        .bind(&profile.email)
        .bind(&profile.avatar_url)
        .bind(bytes)
        .bind(key_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let user = self
            .user_by_github_id(profile.id)
            .await?
            .ok_or_else(|| crate::AccountsError::Internal("the upserted user is missing".into()))?;
        self.link_installations(user.id, profile.id).await?;
        Ok(user)
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_github_id(&self, github_id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.github_id = $1");
        let row = sqlx::query(&sql)
            .bind(github_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_customer(&self, customer: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.stripe_customer_id = $1");
        let row = sqlx::query(&sql)
            .bind(customer)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The user's GitHub token, decrypted (`None` when none is stored).
    pub async fn github_token(&self, user_id: i64, keyring: &Keyring) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT github_id, github_token, github_token_key FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let github_id: i64 = row.try_get("github_id")?;
        let bytes: Option<Vec<u8>> = row.try_get("github_token")?;
        let key_id: Option<String> = row.try_get("github_token_key")?;
        let (Some(bytes), Some(key_id)) = (bytes, key_id) else {
            return Ok(None);
        };
        let plain = keyring.open(&Sealed { key_id, bytes }, &token_context(github_id))?;
        String::from_utf8(plain)
            .map(Some)
            .map_err(|_| crate::AccountsError::Internal("a stored token is not text".into()))
    }

    /// Re-encrypts every GitHub token sealed with a key other than the
    /// current one; returns how many were rewritten (key rotation).
    pub async fn reseal_tokens(&self, keyring: &Keyring) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT id, github_id, github_token, github_token_key FROM users \
             WHERE github_token IS NOT NULL AND github_token_key <> $1",
        )
        .bind(keyring.current_id())
        .fetch_all(&self.pool)
        .await?;
        let mut count = 0;
        for row in rows {
            let context = token_context(row.try_get("github_id")?);
            let sealed = Sealed {
                key_id: row.try_get("github_token_key")?,
                bytes: row.try_get("github_token")?,
            };
            let fresh = keyring.seal(&keyring.open(&sealed, &context)?, &context)?;
            sqlx::query("UPDATE users SET github_token = $1, github_token_key = $2 WHERE id = $3")
                .bind(fresh.bytes)
                .bind(fresh.key_id)
                .bind(row.try_get::<i64, _>("id")?)
                .execute(&self.pool)
                .await?;
            count += 1;
        }
        Ok(count)
    }

    /// Records the user's plan and billing state (Stripe webhooks).
    pub async fn set_billing(
        &self,
        user_id: i64,
        plan: PlanName,
        status: &str,
        customer: Option<&str>,
        subscription: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE users SET plan = $1, billing_status = $2, \
             stripe_customer_id = COALESCE($3, stripe_customer_id), \
             stripe_subscription_id = COALESCE($4, stripe_subscription_id), updated_at = $5 \
             WHERE id = $6",
        )
        .bind(plan.as_str())
        .bind(status)
        .bind(customer)
        .bind(subscription)
        .bind(now_ms())
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the user's Stripe customer (made at their first checkout).
    pub async fn set_customer(&self, user_id: i64, customer: &str) -> Result<()> {
        sqlx::query("UPDATE users SET stripe_customer_id = $1, updated_at = $2 WHERE id = $3")
            .bind(customer)
            .bind(now_ms())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
