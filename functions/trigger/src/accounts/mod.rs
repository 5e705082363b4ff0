//! The accounts layer in the HTTP API: who is calling ([`Caller`]), what
//! they may see ([`read_job`], [`own_job`]), cookies, the reconciliation of
//! job rows with state documents, and the GitHub token of a user's job.
//! The logic itself is `doctown-accounts`; see `docs/ACCOUNTS.md`.

pub mod caller;

pub use caller::{Auth, Caller};

use crate::error::{blocking, ApiError};
use crate::launcher::TokenSource;
use crate::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue};
use doctown_accounts::{job_update, Accounts, JobRow, Scope, Visibility};
use doctown_core::JobId;
use doctown_store::load_state;
use std::sync::Arc;
use std::time::Duration;

/// The site's own origin: the configured public URL, else the request's
/// `Host` with the scheme the cookies imply.
pub fn base_url(headers: &HeaderMap, app: &AppState) -> String {
    if let Some(url) = &app.config.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if app.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Whether an `Origin` header names this site.
pub fn same_site(origin: &str, headers: &HeaderMap, app: &AppState) -> bool {
    let origin = origin.trim_end_matches('/');
    if origin == base_url(headers, app) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let bare = origin.split_once("://").map(|(_, rest)| rest);
    host.is_some() && bare == host
        || app
            .config
            .cors_origins
            .iter()
            .any(|o| o.trim_end_matches('/') == origin)
}

/// A cookie's name on this server: with the `__Host-` prefix when cookies
/// are `Secure` (the browser then refuses one set by another subdomain or
/// without `Secure`, so a sibling site cannot plant a session), plain on a
/// plain-HTTP loopback server, where browsers would drop a prefixed one.
pub fn cookie_name(app: &AppState, base: &str) -> String {
    if app.config.secure_cookies {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// The value of this server's cookie `base` in a request.
pub fn read_cookie(headers: &HeaderMap, app: &AppState, base: &str) -> Option<String> {
    caller::cookie(headers, &cookie_name(app, base))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, no Domain, Secure
/// unless the server is a plain-HTTP loopback one.
pub fn set_cookie(app: &AppState, base: &str, value: &str, max_age: Duration) -> HeaderValue {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let name = cookie_name(app, base);
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        max_age.as_secs()
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` that deletes a cookie.
pub fn clear_cookie(app: &AppState, name: &str) -> HeaderValue {
    set_cookie(app, name, "", Duration::ZERO)
}

/// The accounts service, or 404 when this server runs without accounts.
pub fn service(app: &AppState) -> Result<Arc<Accounts>, ApiError> {
    app.accounts
        .clone()
        .ok_or_else(|| ApiError::not_found("this server runs without accounts (local mode)"))
}

fn hidden(job: &str) -> ApiError {
    ApiError::not_found(format!("job {job} not found"))
}

/// Whether `caller` may read job `id` (state, events, docpack, search):
/// trusted callers always; others when the job is public or theirs (a key
/// needs `read`). A job that is not theirs answers 404, like one that does
/// not exist. Returns the row (none for trusted callers without accounts).
pub async fn read_job(
    app: &AppState,
    caller: &Caller,
    id: &JobId,
) -> Result<Option<JobRow>, ApiError> {
    let Some(accounts) = app.accounts.clone() else {
        return Ok(None);
    };
    let row = accounts.db.job(id.as_str()).await?;
    if caller.is_trusted() {
        return Ok(row);
    }
    let row = row.ok_or_else(|| hidden(id.as_str()))?;
    let owner = caller.user().map(|u| u.id);
    if row.owner_id.is_some() && row.owner_id == owner {
        caller.require(Scope::Read)?;
    } else if row.visibility != Visibility::Public {
        return Err(hidden(id.as_str()));
    }
    if row.is_active() {
        refresh(app, &accounts, vec![row.id.clone()]).await;
    }
    Ok(Some(row))
}

/// Requires that `caller` owns job `id` with `scope` (trusted callers pass).
pub async fn own_job(
    app: &AppState,
    caller: &Caller,
    id: &str,
    scope: Scope,
) -> Result<(), ApiError> {
    let Some(accounts) = app.accounts.clone() else {
        return Ok(());
    };
    if caller.is_trusted() {
        return Ok(());
    }
    let user = caller.require(scope)?;
    match accounts.db.job(id).await? {
        Some(row) if row.owner_id == Some(user.id) => Ok(()),
        _ => Err(hidden(id)),
    }
}

/// Copies the state documents of `ids` into their rows (see
/// `doctown_accounts::reconcile`). Failures are logged, never answered:
/// the state document stays the truth and the next pass catches up.
pub async fn refresh(app: &AppState, accounts: &Accounts, ids: Vec<String>) {
    if ids.is_empty() {
        return;
    }
    let store = app.store.clone();
    let states = blocking(move || {
        Ok(ids
            .iter()
            .filter_map(|id| JobId::new(id).ok())
            .filter_map(|id| load_state(store.as_ref(), &id).ok().flatten())
            .collect::<Vec<_>>())
    })
    .await
    .unwrap_or_default();
    for state in states {
        if let Err(e) = accounts.db.apply_job_update(&job_update(&state)).await {
            tracing::warn!(job = %state.job_id, "cannot record the job's state: {e}");
        }
    }
}

/// Refreshes the active jobs of one owner (or everybody's).
pub async fn refresh_active(app: &AppState, owner: Option<i64>) -> Result<(), ApiError> {
    let accounts = service(app)?;
    let ids = accounts.db.active_job_ids(owner, 500).await?;
    refresh(app, &accounts, ids).await;
    Ok(())
}

/// The reconciliation sweeper: active jobs every `every`, expired sessions
/// and states every hundredth pass. Runs until `stop` resolves.
pub async fn sweep(app: AppState, every: Duration, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut pass: u64 = 0;
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
        if let Err(e) = refresh_active(&app, None).await {
            tracing::debug!("reconciliation pass skipped: {}", e.message);
        }
        if pass.is_multiple_of(100) {
            if let Some(accounts) = &app.accounts {
                let _ = accounts.db.purge_expired().await;
            }
        }
        pass += 1;
    }
}

/// GitHub tokens for jobs: a user's own token for the jobs of their
/// private repositories (`input.options.accounts.owner`), or the GitHub
/// App's installation tokens. Decrypted when the job starts, handed to
/// ingest only, never written anywhere.
pub struct AccountTokens {
    pub accounts: Arc<Accounts>,
    pub app: Option<Arc<dyn TokenSource>>,
    pub runtime: tokio::runtime::Handle,
}

impl TokenSource for AccountTokens {
    fn installation_token(&self, installation_id: u64) -> Result<String, String> {
        match &self.app {
            Some(app) => app.installation_token(installation_id),
            None => Err("no GitHub App is configured".into()),
        }
    }

    fn user_token(&self, user_id: i64) -> Result<Option<String>, String> {
        let accounts = self.accounts.clone();
        let keyring = accounts.config.keyring.clone();
        self.runtime
            .block_on(async move { accounts.db.github_token(user_id, &keyring).await })
            .map_err(|e| e.to_string())
    }
}
