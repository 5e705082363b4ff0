//! Authentication: API keys on mutating routes, and the GitHub webhook
//! signature.
//!
//! API keys are stored only as SHA-256 hashes; a presented key is hashed and
//! compared with every stored hash in constant time. Webhook bodies are
//! authenticated by `X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256 of
//! the raw body under the webhook secret, also compared in constant time.

use crate::config::hash_api_key;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Whether `key` is one of the accepted keys (constant time in the key).
pub fn api_key_matches(hashes: &[[u8; 32]], key: &str) -> bool {
    let presented = hash_api_key(key);
    let mut found = subtle::Choice::from(0u8);
    for hash in hashes {
        found |= hash.ct_eq(&presented);
    }
    found.into()
}

/// Middleware: when API keys are configured, requires
/// `Authorization: Bearer <key>` with one of them.
pub async fn require_api_key(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let hashes = &app.config.api_key_hashes;
    // With accounts, each handler checks its caller (users' keys, sessions).
    if hashes.is_empty() || app.accounts.is_some() {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    match presented {
        Some(key) if api_key_matches(hashes, key) => next.run(request).await,
        Some(_) => ApiError::unauthorized("invalid API key").into_response(),
        None => {
            let mut response = ApiError::unauthorized(
                "this route needs an API key: send Authorization: Bearer <key>",
            )
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}

/// Middleware of the routes that show what a job built: the API keys, when
/// the host made reads private ([`crate::TriggerConfig::private_reads`]).
pub async fn require_read_key(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !app.config.private_reads {
        return next.run(request).await;
    }
    require_api_key(State(app), request, next).await
}

/// Middleware of `/mcp`: the API keys as elsewhere; with accounts, one of
/// the operator's keys (the MCP endpoint answers about every docpack of the
/// store, so it is not for users' keys).
pub async fn require_mcp_access(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if app.accounts.is_none() {
        return require_api_key(State(app), request, next).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' ').map(|(_, t)| t.trim().to_string()));
    match presented {
        Some(key) if api_key_matches(&app.config.api_key_hashes, &key) => next.run(request).await,
        _ => ApiError::forbidden("with accounts, /mcp needs one of the operator's keys")
            .into_response(),
    }
}

/// The `X-Hub-Signature-256` value for a body.
pub fn webhook_signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Verifies `X-Hub-Signature-256` over the raw body, in constant time.
pub fn verify_webhook_signature(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_by_hash() {
        let hashes = vec![hash_api_key("a"), hash_api_key("secret")];
        assert!(api_key_matches(&hashes, "secret"));
        assert!(!api_key_matches(&hashes, "Secret"));
        assert!(!api_key_matches(&[], "secret"));
    }

    #[test]
    fn signatures_verify() {
        let body = br#"{"zen":"x"}"#;
        let sig = webhook_signature(b"s3cret", body);
        assert!(verify_webhook_signature(b"s3cret", body, Some(&sig)));
        assert!(!verify_webhook_signature(b"other", body, Some(&sig)));
        assert!(!verify_webhook_signature(b"s3cret", b"{}", Some(&sig)));
        assert!(!verify_webhook_signature(b"s3cret", body, None));
        assert!(!verify_webhook_signature(
            b"s3cret",
            body,
            Some("sha256=zz")
        ));
        assert!(!verify_webhook_signature(b"s3cret", body, Some("sha1=00")));
    }
}
