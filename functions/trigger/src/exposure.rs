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
    if config.private_reads {
        notes.push(format!(
            "note: reads at {addr} need a key too (the jobs' docpacks may hold private code); \
             pass --public-reads to open them"
        ));
    } else {
        notes.push(format!(
            "note: reads are public at {addr}: {}",
            READ_ROUTES.join(", ")
        ));
    }
    Ok(notes)
}

/// The routes that show what a job built (behind the API keys when
/// [`TriggerConfig::private_reads`]).
pub const READ_ROUTES: [&str; 10] = [
    "GET /jobs/{id}",
    "GET /jobs/{id}/events",
    "GET /jobs/{id}/docpack",
    "GET /jobs/{id}/search",
    "GET /jobs/{id}/ask",
    "GET /jobs/{id}/impact",
    "GET /jobs/{id}/outline",
    "GET /jobs/{id}/members",
    "GET /jobs/{id}/symbol",
    "GET /docpacks",
];

/// Checks a hosted deployment (the Lambda trigger: reachable by anyone,
/// no loopback to fall back on) before it serves anything: it needs
/// accounts or API keys, reads behind the keys unless the operator opened
/// them and no GitHub App can put private code behind open reads, and the
/// host names it answers. Ok: notes to log; Err: a one-line refusal.
pub fn check_hosted(config: &TriggerConfig, accounts: bool) -> Result<Vec<String>, String> {
    if config.server_names.is_empty() {
        return Err(
            "refusing to start: set DOCTOWN_PUBLIC_URL or DOCTOWN_SERVER_NAMES \
                    (e.g. .lambda-url.REGION.on.aws) to the host names this deployment answers"
                .into(),
        );
    }
    if accounts {
        return Ok(Vec::new());
    }
    if config.api_key_hashes.is_empty() {
        return Err(format!(
            "refusing to start: without accounts (DATABASE_URL) or API keys \
             (DOCTOWN_API_KEY_HASHES) anyone could start jobs ({}) and read every docpack",
            MUTATING_ROUTES.join(", ")
        ));
    }
    if !config.private_reads && config.github_app.is_some() {
        return Err(
            "refusing to start: DOCTOWN_PUBLIC_READS with a GitHub App would serve the \
                    docpacks of installations' private repositories to anyone; turn accounts \
                    on, or keep reads behind the API keys"
                .into(),
        );
    }
    Ok(if config.private_reads {
        vec!["note: without accounts, reads need one of the API keys".into()]
    } else {
        vec![format!(
            "warning: DOCTOWN_PUBLIC_READS: {} are open to anyone",
            READ_ROUTES.join(", ")
        )]
    })
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
    fn a_hosted_deployment_needs_names_and_accounts_or_keys() {
        let named = TriggerConfig {
            server_names: vec![crate::ServerName::Suffix(".on.aws".into())],
            private_reads: true,
            ..TriggerConfig::default()
        };
        let unnamed = TriggerConfig {
            server_names: Vec::new(),
            ..named.clone()
        };
        assert!(check_hosted(&unnamed, true)
            .unwrap_err()
            .contains("DOCTOWN_SERVER_NAMES"));
        assert_eq!(check_hosted(&named, true), Ok(vec![]));
        let err = check_hosted(&named, false).unwrap_err();
        assert!(err.contains("DOCTOWN_API_KEY_HASHES"), "{err}");
        let keyed = named.clone().with_api_keys(["k"]);
        assert!(check_hosted(&keyed, false).is_ok());
        let mut open_reads = keyed.clone();
        open_reads.private_reads = false;
        assert!(check_hosted(&open_reads, false).unwrap()[0].contains("open to anyone"));
        open_reads.github_app = Some(crate::GitHubAppConfig {
            app_id: "1".into(),
            private_key_pem: "pem".into(),
            api_base: "https://api.github.com".into(),
        });
        assert!(check_hosted(&open_reads, false)
            .unwrap_err()
            .contains("private repositories"));
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
