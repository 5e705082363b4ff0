//! What a server exposes at the address it listens on, checked before it
//! binds: without API keys every mutating route is open to whoever can
//! reach the address, which is acceptable on loopback only.

use crate::config::TriggerConfig;
use std::net::SocketAddr;

/// The routes that change something (API keys guard them when configured).
pub const MUTATING_ROUTES: [&str; 4] = [
    "POST /jobs",
    "POST /jobs/{id}/cancel",
    "POST /stages/{stage}",
    "POST /estimate",
];

/// Whether `addr` is reachable only from this machine.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Checks that serving `config` on `addr` is safe, or explicitly allowed by
/// `open`. Ok: lines to print about what is exposed (none on loopback or
/// with keys). Err: a one-line refusal saying what to do.
pub fn check_exposure(
    addr: &SocketAddr,
    config: &TriggerConfig,
    open: bool,
) -> Result<Vec<String>, String> {
    check_exposure_with(addr, config, open, false)
}

/// [`check_exposure`] for a server that may run with accounts: then every
/// route checks its caller (sign-in or a user's key), so any address is fine.
pub fn check_exposure_with(
    addr: &SocketAddr,
    config: &TriggerConfig,
    open: bool,
    accounts: bool,
) -> Result<Vec<String>, String> {
    if is_loopback(addr) {
        return Ok(Vec::new());
    }
    if accounts {
        let mut notes = vec![format!(
            "note: accounts are on at {addr}: jobs and docpacks belong to the users who sign in \
             (or to anonymous builds, if allowed); the operator's keys see everything"
        )];
        if !config.secure_cookies {
            notes.push(
                "warning: session cookies are not marked Secure (DOCTOWN_SECURE_COOKIES=0)".into(),
            );
        }
        return Ok(notes);
    }
    let mut notes = Vec::new();
    if config.api_key_hashes.is_empty() {
        if !open {
            return Err(format!(
                "refusing to listen on {addr} without API keys: anyone who can reach it could \
                 start and cancel jobs ({}); pass --api-keys-file FILE (or set \
                 DOCTOWN_API_KEYS_FILE / DOCTOWN_API_KEY_HASHES), listen on 127.0.0.1, or \
                 pass --open to serve it unauthenticated on purpose",
                MUTATING_ROUTES.join(", ")
            ));
        }
        notes.push(format!(
            "warning: --open: {} accept requests from anyone who can reach {addr}",
            MUTATING_ROUTES.join(", ")
        ));
    }
    if config.allow_local {
        notes.push(format!(
            "warning: local sources are allowed: a job may read any directory of this machine \
             that the server can read, and anyone with access to {addr} can download the result"
        ));
    }
    notes.push(format!(
        "note: reads are public at {addr}: GET /jobs/{{id}}, /jobs/{{id}}/events, \
         /jobs/{{id}}/docpack, /docpacks, /metrics"
    ));
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_needs_nothing() {
        let config = TriggerConfig::default();
        for a in ["127.0.0.1:8080", "[::1]:8080"] {
            assert_eq!(check_exposure(&addr(a), &config, false), Ok(vec![]));
        }
    }

    #[test]
    fn beyond_loopback_without_keys_is_refused_unless_open() {
        let config = TriggerConfig::default();
        for a in ["0.0.0.0:8080", "[::]:8080", "192.168.1.4:80"] {
            let err = check_exposure(&addr(a), &config, false).unwrap_err();
            assert!(
                err.contains("--open") && err.contains("--api-keys-file"),
                "{err}"
            );
            assert!(err.contains("POST /jobs"), "{err}");
            assert!(!err.contains('\n'));
            let notes = check_exposure(&addr(a), &config, true).unwrap();
            assert!(notes[0].contains("POST /jobs"), "{notes:?}");
        }
    }

    #[test]
    fn accounts_make_any_address_safe() {
        let config = TriggerConfig::default();
        let notes = check_exposure_with(&addr("0.0.0.0:8080"), &config, false, true).unwrap();
        assert!(notes[0].contains("accounts are on"), "{notes:?}");
    }

    #[test]
    fn keys_make_it_safe_and_local_sources_are_called_out() {
        let mut config = TriggerConfig::default().with_api_keys(["k"]);
        let notes = check_exposure(&addr("0.0.0.0:8080"), &config, false).unwrap();
        assert!(notes.iter().all(|n| !n.contains("--open")), "{notes:?}");
        config.allow_local = true;
        let notes = check_exposure(&addr("0.0.0.0:8080"), &config, false).unwrap();
        assert!(
            notes.iter().any(|n| n.contains("local sources")),
            "{notes:?}"
        );
    }
}
