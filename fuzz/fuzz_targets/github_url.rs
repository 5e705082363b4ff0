//! GitHub URL parsing: `doctown_sources::parse_source` (what `doctown build
//! SOURCE --ref REF` accepts) and the trigger's `validate_source` (host
//! allow-list, SSRF guards, then the same parser). The input is the source;
//! text after the first newline is the `--ref`.
//!
//! Checks: no panic; an error has a message; what parses as a GitHub
//! repository has a valid owner and name and a subpath without `.`/`..`;
//! what the trigger accepts (default configuration, no local paths) is a
//! GitHub repository.

#![no_main]

use doctown_sources::{parse_source, SourceSpec};
use doctown_trigger::{validate_ref, validate_source, TriggerConfig};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (source, git_ref) = match text.split_once('\n') {
        Some((s, r)) => (s, Some(r)),
        None => (text, None),
    };
    match parse_source(source, git_ref) {
        Ok(SourceSpec::GitHub {
            owner,
            repo,
            git_ref: r,
            subpath,
        }) => {
            assert!((1..=39).contains(&owner.len()), "owner {owner:?}");
            assert!(!owner.starts_with('-'), "owner {owner:?}");
            assert!(
                owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "owner {owner:?}"
            );
            assert!((1..=100).contains(&repo.len()), "repo {repo:?}");
            assert!(repo != "." && repo != "..", "repo {repo:?}");
            assert!(
                repo.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
                "repo {repo:?}"
            );
            if let Some(sub) = &subpath {
                assert!(
                    !sub.split('/').any(|c| c == "." || c == ".."),
                    "subpath {sub:?}"
                );
                assert!(r.is_some(), "a subpath without a ref");
            }
            if let Some(explicit) = git_ref.map(str::trim).filter(|r| !r.is_empty()) {
                assert_eq!(r.as_deref(), Some(explicit), "--ref was not kept");
            }
        }
        Ok(_) => {} // an existing local path
        Err(e) => assert!(!e.to_string().trim().is_empty(), "empty error message"),
    }

    static CONFIG: OnceLock<TriggerConfig> = OnceLock::new();
    let config = CONFIG.get_or_init(TriggerConfig::default);
    match validate_source(config, source, git_ref) {
        Ok(spec) => assert!(
            matches!(spec, SourceSpec::GitHub { .. }),
            "the trigger accepted a non-GitHub source: {spec:?}"
        ),
        Err(e) => assert!(!e.to_string().trim().is_empty(), "empty error message"),
    }
    if let Some(r) = git_ref {
        if validate_ref(r).is_ok() {
            let r = r.trim();
            assert!(!r.contains("..") && !r.starts_with('-'), "ref {r:?}");
        }
    }
});
