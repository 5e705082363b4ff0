//! Validating what clients ask to build, before anything is created.
//!
//! Repository URLs must name a host on the allow-list (by default
//! `github.com`); IP literals, `localhost` and private-network names are
//! refused whatever the list says, so the trigger cannot be used to reach
//! internal services (SSRF). Local paths and archives are accepted only when
//! the server was started with `allow_local`. What passes is then parsed by
//! `doctown_sources::parse_source`, the same parser ingest uses.

use crate::config::TriggerConfig;
use crate::error::ApiError;
use doctown_sources::{parse_source, SourceSpec};
use std::net::IpAddr;
use url::{Host, Url};

/// Longest accepted source string and ref.
const MAX_SOURCE_LEN: usize = 2048;
const MAX_REF_LEN: usize = 255;

/// Checks a source and ref; returns the parsed source.
pub fn validate_source(
    config: &TriggerConfig,
    source: &str,
    git_ref: Option<&str>,
) -> Result<SourceSpec, ApiError> {
    let source = source.trim();
    if source.is_empty() {
        return Err(ApiError::bad_request("repo_url is empty"));
    }
    if source.len() > MAX_SOURCE_LEN || source.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "repo_url is too long or contains control characters",
        ));
    }
    if let Some(r) = git_ref {
        validate_ref(r)?;
    }
    let is_url = looks_like_url(source);
    if is_url {
        check_url_host(config, source)?;
    } else if !config.allow_local {
        return Err(ApiError::bad_request(
            "repo_url must be a repository URL such as https://github.com/OWNER/REPO (local paths are not accepted by this server)",
        ));
    }
    let spec = parse_source(source, git_ref)
        .map_err(|e| ApiError::bad_request(format!("invalid repo_url: {e}")))?;
    if !config.allow_local && !matches!(spec, SourceSpec::GitHub { .. }) {
        return Err(ApiError::bad_request(
            "repo_url must be a repository URL (local paths are not accepted by this server)",
        ));
    }
    Ok(spec)
}

/// A git ref: no control characters, no `..`, no leading `-`.
pub fn validate_ref(git_ref: &str) -> Result<(), ApiError> {
    let r = git_ref.trim();
    let ok = !r.is_empty()
        && r.len() <= MAX_REF_LEN
        && !r.starts_with('-')
        && !r.contains("..")
        && !r
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '~' | '^' | ':' | '\\'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid git_ref {git_ref:?}: use a branch, tag or commit name"
        )))
    }
}

fn looks_like_url(input: &str) -> bool {
    if input.contains("://") || input.starts_with("git@") {
        return true;
    }
    // `github.com/o/r`: a first segment that looks like a host name.
    let first = input.split('/').next().unwrap_or("");
    !input.starts_with('.')
        && !input.starts_with('/')
        && first.contains('.')
        && input.contains('/')
        && !first.ends_with(".zip")
        && !first.ends_with(".tgz")
        && !first.ends_with(".gz")
}

/// Refuses hosts that are not allowed, IP literals and internal names.
pub fn check_url_host(config: &TriggerConfig, input: &str) -> Result<(), ApiError> {
    let normalised = if let Some(rest) = input.strip_prefix("git@") {
        let (host, path) = rest
            .split_once(':')
            .ok_or_else(|| ApiError::bad_request("expected git@HOST:OWNER/REPO.git"))?;
        format!("ssh://git@{host}/{path}")
    } else if input.contains("://") {
        input.to_string()
    } else {
        format!("https://{input}")
    };
    let url = Url::parse(&normalised)
        .map_err(|e| ApiError::bad_request(format!("invalid repo_url: {e}")))?;
    if !url.password().unwrap_or("").is_empty()
        || (!url.username().is_empty() && url.username() != "git")
    {
        return Err(ApiError::bad_request(
            "repo_url must not contain credentials",
        ));
    }
    let host = match url.host() {
        None => return Err(ApiError::bad_request("repo_url has no host")),
        Some(Host::Ipv4(_)) | Some(Host::Ipv6(_)) => {
            return Err(ApiError::forbidden(
                "repo_url may not be an IP address; use an allowed host name",
            ))
        }
        Some(Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
    };
    if is_internal_name(&host) {
        return Err(ApiError::forbidden(format!(
            "repo_url host {host} is a local or private-network address"
        )));
    }
    let bare = host.strip_prefix("www.").unwrap_or(&host);
    let allowed = config.allowed_hosts.iter().any(|h| {
        let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
        h.strip_prefix("www.").unwrap_or(&h) == bare
    });
    if !allowed {
        return Err(ApiError::forbidden(format!(
            "repo_url host {host} is not allowed (allowed: {})",
            config.allowed_hosts.join(", ")
        )));
    }
    Ok(())
}

/// `localhost`, `.local`/`.internal`/`.lan` names, and anything that parses
/// as an IP address (including numeric forms like `2130706433`).
fn is_internal_name(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let numeric = host
        .split('.')
        .all(|label| !label.is_empty() && label_is_number(label));
    numeric
        || host == "localhost"
        || [".localhost", ".local", ".internal", ".lan", ".home.arpa"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
        || !host.contains('.')
}

fn label_is_number(label: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    match lower.strip_prefix("0x") {
        Some(hex) => hex.chars().all(|c| c.is_ascii_hexdigit()),
        None => lower.chars().all(|c| c.is_ascii_digit()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TriggerConfig {
        TriggerConfig::default()
    }

    #[test]
    fn accepts_github_urls() {
        for ok in [
            "https://github.com/rust-lang/log",
            "github.com/rust-lang/log",
            "git@github.com:rust-lang/log.git",
            "https://www.github.com/rust-lang/log/tree/main/src",
        ] {
            assert!(validate_source(&config(), ok, None).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_internal_and_foreign_hosts() {
        for (bad, status) in [
            ("http://127.0.0.1/o/r", 403),
            ("http://[::1]/o/r", 403),
            ("http://2130706433/o/r", 403),
            ("http://0x7f.1/o/r", 403),
            ("https://localhost/o/r", 403),
            ("https://metadata.internal/o/r", 403),
            ("https://gitlab.com/o/r", 403),
            ("https://evil.example/o/r", 403),
            ("https://user:pw@github.com/o/r", 400),
            ("/etc", 400),
            ("../secret", 400),
            ("", 400),
        ] {
            let err = validate_source(&config(), bad, None).unwrap_err();
            assert_eq!(err.status.as_u16(), status, "{bad}: {err}");
        }
    }

    #[test]
    fn refs_are_checked() {
        assert!(validate_ref("main").is_ok());
        assert!(validate_ref("feature/x-1").is_ok());
        for bad in ["", "-x", "a..b", "a b", "a\nb", "HEAD~1"] {
            assert!(validate_ref(bad).is_err(), "{bad:?}");
        }
    }
}
