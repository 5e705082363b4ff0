//! The guard every request passes before its route: the `Host` it names
//! (DNS rebinding), and for a request that changes something, the page
//! that sent it (`Origin`, `Sec-Fetch-Site`: cross-site request forgery).
//!
//! A browser lets any page it shows send a `POST` to any address, a
//! loopback one included, and a DNS name can be made to point at
//! 127.0.0.1 after the page has loaded. So a server on a laptop without
//! keys is safe only if it answers just the names it was told to serve
//! and refuses writes sent by other sites' pages. JSON bodies are also
//! required to say so (`Content-Type: application/json`,
//! [`crate::routes::body::JsonBody`]), which a plain HTML form cannot.

use crate::error::ApiError;
use crate::server_name::host_allowed;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The host a request names: its URI's authority (HTTP/2), else `Host`.
fn request_host(request: &Request) -> Option<String> {
    if let Some(authority) = request.uri().authority() {
        return Some(authority.as_str().to_string());
    }
    request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn is_mutation(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Why a mutation is refused as sent by another site, or `None`.
fn foreign_sender(headers: &HeaderMap, app: &AppState) -> Option<String> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if origin == "null" || !crate::accounts::same_site(origin, headers, app) {
            return Some(format!(
                "cross-site request refused: Origin {origin:?} is not this site \
                 (list it with DOCTOWN_CORS_ORIGINS to allow it)"
            ));
        }
        return None;
    }
    // Browsers send `Origin` with every cross-site write; this header is
    // the second word for the few requests that lack one.
    let site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site"))
        .then(|| format!("cross-site request refused (Sec-Fetch-Site: {site})"))
}

/// Middleware over the whole router (see the module's doc).
pub async fn guard(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let host = request_host(&request);
    if !host_allowed(&app.config.server_names, host.as_deref()) {
        let shown = host.as_deref().unwrap_or("(none)");
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "this server does not answer to the host {shown:?} \
                 (add it with --server-name or DOCTOWN_SERVER_NAMES)"
            ),
        )
        .into_response();
    }
    if is_mutation(request.method()) {
        if let Some(refusal) = foreign_sender(request.headers(), &app) {
            return ApiError::forbidden(refusal).into_response();
        }
    }
    next.run(request).await
}
