//! Signing in with GitHub, signing out, and who is signed in.
//!
//! - `GET /auth/github/login?redirect=/path`: stores a `state` (with a PKCE
//!   verifier) server-side, binds it to this browser with a short-lived
//!   `doctown_oauth` cookie, and redirects to GitHub.
//! - `GET /auth/github/callback?code&state`: the state must be the one this
//!   browser started (cookie), unused and unexpired; the code is exchanged
//!   (with the verifier), the user upserted, and a new session cookie set
//!   (any old session is deleted: rotation). Redirects to `redirect`; a
//!   browser whose sign-in fails goes to the website's `/sign-in?error=…`.
//! - `POST /auth/logout`: deletes the session and clears the cookie
//!   (cookie callers need the CSRF token).
//! - `GET /me`: the mode, the user, their plan and the session's CSRF token.

use crate::accounts::caller::{OAUTH_COOKIE, SESSION_COOKIE};
use crate::accounts::read_cookie;
use crate::accounts::{base_url, clear_cookie, service, set_cookie, Auth, Caller};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub redirect: Option<String>,
    /// Ask GitHub for access to private repositories too (the `repo`
    /// scope); by default only the profile is asked for.
    #[serde(default)]
    pub private: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LogoutQuery {
    /// End every session of the user, not only this browser's.
    #[serde(default)]
    pub everywhere: Option<String>,
}

fn flag(value: Option<&str>) -> bool {
    matches!(value, Some("1" | "true" | "yes"))
}

/// A local path to go back to after signing in (never another site).
///
/// The target is read as a browser reads it (WHATWG URL parsing, which
/// drops tabs and newlines and turns `\\` into `/`) against a stand-in
/// origin, and kept only when it stays on that origin; what is returned is
/// the parsed path, query and fragment, so the browser is sent exactly
/// what was checked.
fn local_path(path: Option<&str>) -> String {
    const BASE: &str = "https://doctown.invalid/";
    let Some(path) = path.filter(|p| p.len() <= 500 && p.starts_with('/')) else {
        return "/".to_string();
    };
    if path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return "/".to_string();
    }
    let base = url::Url::parse(BASE).expect("a valid base");
    match base.join(path) {
        Ok(url) if url.origin() == base.origin() => url[url::Position::BeforePath..].to_string(),
        _ => "/".to_string(),
    }
}

fn callback_url(headers: &HeaderMap, app: &AppState) -> String {
    format!("{}/auth/github/callback", base_url(headers, app))
}

pub async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, ApiError> {
    let accounts = service(&app)?;
    let redirect_to = local_path(query.redirect.as_deref());
    let private = flag(query.private.as_deref());
    let (state, url) = accounts
        .begin_sign_in(&redirect_to, &callback_url(&headers, &app), private)
        .await?;
    let mut response = Redirect::to(&url).into_response();
    let cookie = set_cookie(&app, OAUTH_COOKIE, &state, accounts.config.state_ttl);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Where a browser whose sign-in failed is sent: the website's page, which
/// says why and offers to try again (a raw JSON error is no page for a
/// person). Programs (no `text/html` in `Accept`) get the JSON error.
pub const SIGN_IN_FAILED_PAGE: &str = "/sign-in";

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    match finish_callback(&app, &headers, query).await {
        Ok(response) => response,
        Err(e) if wants_html(&headers) && app.config.static_dir.is_some() => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("error", &e.message)
                .finish();
            let mut response =
                Redirect::to(&format!("{SIGN_IN_FAILED_PAGE}?{query}")).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, clear_cookie(&app, OAUTH_COOKIE));
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn finish_callback(
    app: &AppState,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<Response, ApiError> {
    let accounts = service(app)?;
    if let Some(error) = query.error {
        return Err(ApiError::unauthorized(format!(
            "GitHub did not sign you in: {error}"
        )));
    }
    let (Some(code), Some(state)) = (query.code, query.state) else {
        return Err(ApiError::bad_request("the callback needs code and state"));
    };
    let bound = read_cookie(headers, app, OAUTH_COOKIE).unwrap_or_default();
    if !doctown_accounts::crypto::ct_eq(&bound, &state) {
        // Not the browser that started this sign-in (login CSRF), or its
        // cookie expired: the state is spent all the same.
        let _ = accounts.db.take_oauth_state(&state).await;
        return Err(ApiError::unauthorized(
            "this sign-in was not started by this browser: sign in again",
        ));
    }
    let old = read_cookie(headers, app, SESSION_COOKIE);
    let signed_in = accounts
        .finish_sign_in(&state, &code, &callback_url(headers, app), old.as_deref())
        .await?;
    let mut response = Redirect::to(&signed_in.redirect_to).into_response();
    let session = set_cookie(
        app,
        SESSION_COOKIE,
        &signed_in.session.token,
        accounts.config.session_ttl,
    );
    let h = response.headers_mut();
    h.append(header::SET_COOKIE, session);
    h.append(header::SET_COOKIE, clear_cookie(app, OAUTH_COOKIE));
    h.insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("a header value"),
    );
    Ok(response)
}

/// `POST /auth/logout` (`?everywhere=1`: every session of the user, as
/// after a lost laptop; a user's key may do that too).
pub async fn logout(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<LogoutQuery>,
) -> Result<Response, ApiError> {
    let accounts = service(&app)?;
    caller.check_csrf(&headers)?;
    if flag(query.everywhere.as_deref()) {
        let user = caller.require(doctown_accounts::Scope::Admin)?;
        accounts.db.delete_sessions_of(user.id).await?;
    } else if let Caller::User {
        auth: Auth::Session { token, .. },
        ..
    } = &caller
    {
        accounts.db.delete_session(token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie(&app, SESSION_COOKIE));
    Ok(response)
}

pub async fn me(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Some(accounts) = app.accounts.clone() else {
        return Ok(Json(serde_json::json!({ "mode": "local", "user": null })));
    };
    let sign_in = accounts
        .config
        .github
        .as_ref()
        .map(|_| "/auth/github/login");
    let common = serde_json::json!({
        "mode": "accounts",
        "sign_in_url": sign_in,
        "anonymous_builds": accounts.config.plans.anonymous.builds,
        "billing": accounts.config.stripe.is_some(),
    });
    let mut body = common;
    match &caller {
        Caller::User { user, auth, .. } => {
            let plan = user.effective_plan();
            body["user"] = serde_json::to_value(user.as_ref()).unwrap_or_default();
            body["plan"] = plan.as_str().into();
            body["limits"] =
                serde_json::to_value(accounts.config.plans.limits(plan)).unwrap_or_default();
            match auth {
                Auth::Session { csrf_token, .. } => {
                    body["auth"] = "session".into();
                    body["csrf_token"] = csrf_token.clone().into();
                }
                Auth::Key(key) => {
                    body["auth"] = "key".into();
                    body["key"] = serde_json::to_value(key).unwrap_or_default();
                }
            }
        }
        Caller::Operator => {
            body["user"] = serde_json::Value::Null;
            body["auth"] = "operator".into();
        }
        _ => body["user"] = serde_json::Value::Null,
    }
    Ok(Json(body))
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(local_path(Some("/library?x=1")), "/library?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\\/evil.example",
            "///evil.example",
            "evil",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
        assert_eq!(local_path(Some("/jobs/a#b")), "/jobs/a#b");
        assert_eq!(local_path(Some("/a/../library")), "/library");
        // Still encoded, a tab is part of a path on this site.
        assert_eq!(local_path(Some("/%09/evil.example")), "/%09/evil.example");
    }
}
