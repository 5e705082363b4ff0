//! Who is calling: resolved once per request from the session cookie, an
//! `Authorization: Bearer` key or the client's address.
//!
//! Without accounts (`doctown serve` on a laptop) every caller is
//! [`Caller::Local`] and every check passes, as before accounts existed.
//! With accounts: a `dt_…` bearer key is a user's key (scoped); another
//! bearer key must be one of the operator's keys (`DOCTOWN_API_KEYS_FILE`,
//! full access); a `doctown_session` cookie is a signed-in user; anybody
//! else is anonymous. Failed credentials count against the address (brute
//! force: 429 after `auth_failures_per_minute`), and every caller but the
//! operator is rate-limited per user, per key or per address.

use crate::auth::api_key_matches;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use doctown_accounts::{allows, is_user_key, Accounts, ApiKey, Scope, User};
use std::net::SocketAddr;
use std::sync::Arc;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "doctown_session";
/// The cookie that binds an OAuth `state` to the browser that started it.
pub const OAUTH_COOKIE: &str = "doctown_oauth";
/// The header a cookie-authenticated mutation must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a user is authenticated.
#[derive(Clone)]
pub enum Auth {
    /// A session cookie (mutations need the CSRF token).
    Session { token: String, csrf_token: String },
    /// An API key (no CSRF: browsers never send it on their own).
    Key(ApiKey),
}

/// The caller of a request.
// Debug output goes to logs: a session's tokens are left out.
impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Session { .. } => f.write_str("Session"),
            Auth::Key(key) => f.debug_tuple("Key").field(&key.id).finish(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Caller {
    /// Accounts are off: the single local user, allowed everything.
    Local,
    /// One of the operator's keys: allowed everything.
    Operator,
    Anonymous {
        ip: String,
    },
    User {
        user: Box<User>,
        auth: Auth,
        ip: String,
    },
}

impl Caller {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        match self {
            Caller::User { user, .. } => Some(user),
            _ => None,
        }
    }

    /// Whether this caller sees and may do everything.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Caller::Local | Caller::Operator)
    }

    /// Requires a signed-in user whose key (if a key) has `scope`.
    pub fn require(&self, scope: Scope) -> Result<&User, ApiError> {
        match self {
            Caller::User { user, auth, .. } => match auth {
                Auth::Key(key) if !allows(&key.scopes, scope) => Err(ApiError::forbidden(format!(
                    "this API key lacks the {} scope",
                    scope.as_str()
                ))),
                _ => Ok(user),
            },
            _ => Err(ApiError::unauthorized("sign in (or send an API key) first")),
        }
    }

    /// For a user signed in by cookie: the `X-CSRF-Token` header must equal
    /// the session's token (a write's `Origin` is checked for every caller
    /// before any route, `crate::guard`). Everyone else passes (no ambient
    /// credential to abuse).
    pub fn check_csrf(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Caller::User {
            auth: Auth::Session { csrf_token, .. },
            ..
        } = self
        else {
            return Ok(());
        };
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !doctown_accounts::crypto::ct_eq(sent, csrf_token) {
            return Err(ApiError::forbidden(
                "missing or wrong X-CSRF-Token (GET /me gives the session's token)",
            ));
        }
        Ok(())
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The bearer token of `Authorization`, if any.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address: the connection's, or with `trust_proxy` the last
/// `X-Forwarded-For` entry (the one the trusted proxy added).
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn refused(accounts: &Accounts, ip: &str, message: &str) -> ApiError {
    let per_minute = accounts.config.auth_failures_per_minute;
    match accounts.failures.check(&format!("fail:{ip}"), per_minute) {
        Ok(()) => ApiError::unauthorized(message),
        Err(wait) => ApiError::too_many("too many failed sign-in attempts from this address", wait),
    }
}

async fn resolve(
    app: &AppState,
    accounts: &Arc<Accounts>,
    parts: &Parts,
) -> Result<Caller, ApiError> {
    // Failed credentials are counted per address, and past the limit a
    // failed one answers 429; a valid credential (or none) always goes
    // through, so ten bad headers cannot lock out everyone behind one
    // address (an office, a carrier's NAT).
    let ip = client_ip(parts, app.config.trust_proxy);
    if let Some(token) = bearer(&parts.headers) {
        if is_user_key(&token) {
            return match accounts.db.verify_key(&token).await? {
                Some((user, key)) => Ok(Caller::User {
                    user: Box::new(user),
                    auth: Auth::Key(key),
                    ip,
                }),
                None => Err(refused(accounts, &ip, "invalid or revoked API key")),
            };
        }
        if api_key_matches(&app.config.api_key_hashes, &token) {
            return Ok(Caller::Operator);
        }
        return Err(refused(accounts, &ip, "invalid API key"));
    }
    if let Some(token) = super::read_cookie(&parts.headers, app, SESSION_COOKIE) {
        if let Some(session) = accounts
            .db
            .session(
                &token,
                accounts.config.session_ttl,
                accounts.config.session_max_age,
            )
            .await?
        {
            let auth = Auth::Session {
                token,
                csrf_token: session.csrf_token,
            };
            return Ok(Caller::User {
                user: Box::new(session.user),
                auth,
                ip,
            });
        }
    }
    Ok(Caller::Anonymous { ip })
}

/// Per-minute request limits: per key for keys, per user for sessions,
/// per address for anonymous callers.
fn rate_limit(accounts: &Accounts, caller: &Caller) -> Result<(), ApiError> {
    let plans = &accounts.config.plans;
    let (key, per_minute) = match caller {
        Caller::Local | Caller::Operator => return Ok(()),
        Caller::Anonymous { ip } => (format!("ip:{ip}"), plans.anonymous.requests_per_minute),
        Caller::User { user, auth, .. } => {
            let per_minute = plans.limits(user.effective_plan()).requests_per_minute;
            match auth {
                Auth::Key(k) => (format!("key:{}", k.id), per_minute),
                Auth::Session { .. } => (format!("user:{}", user.id), per_minute),
            }
        }
    };
    accounts
        .requests
        .check(&key, per_minute)
        .map_err(|wait| ApiError::too_many("rate limit: too many requests", wait))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(accounts) = app.accounts.clone() else {
            return Ok(Caller::Local);
        };
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let caller = resolve(app, &accounts, parts).await?;
        rate_limit(&accounts, &caller)?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}
