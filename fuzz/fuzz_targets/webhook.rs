//! GitHub webhook payloads: `doctown_trigger::wanted_jobs` (push,
//! installation and installation_repositories events), then what the
//! webhook route does with each job it asks for (`validate_source`), and
//! the signature check over the same body. The first byte picks the event
//! (`X-GitHub-Event`); the rest is the body.
//!
//! Checks: no panic; an error has a message; a body always verifies against
//! its own signature and never against a different body's.

#![no_main]

use doctown_trigger::{
    validate_source, verify_webhook_signature, wanted_jobs, webhook_signature, TriggerConfig,
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const EVENTS: [&str; 5] = [
    "push",
    "installation_repositories",
    "installation",
    "ping",
    "issues",
];
const SECRET: &[u8] = b"fuzz-secret";

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let event = EVENTS[usize::from(pick) % EVENTS.len()];
    static CONFIG: OnceLock<TriggerConfig> = OnceLock::new();
    let config = CONFIG.get_or_init(TriggerConfig::default);
    match wanted_jobs(event, body) {
        Ok(Some(wanted)) => {
            for w in &wanted {
                if let Err(e) = validate_source(config, &w.repo_url, w.git_ref.as_deref()) {
                    assert!(!e.to_string().trim().is_empty(), "empty error message");
                }
            }
        }
        Ok(None) => {}
        Err(why) => assert!(!why.trim().is_empty(), "empty error message"),
    }
    let signature = webhook_signature(SECRET, body);
    assert!(verify_webhook_signature(SECRET, body, Some(&signature)));
    assert!(!verify_webhook_signature(SECRET, data, Some(&signature)));
    // A header made of the fuzzer's bytes must not verify by accident or panic.
    let header = String::from_utf8_lossy(body);
    let _ = verify_webhook_signature(SECRET, b"", Some(&header));
});
