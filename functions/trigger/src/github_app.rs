//! The GitHub App side. The App's configuration, JWT and installation-token
//! cache live in `doctown_accounts::github_app` (the distributed workers
//! mint tokens with the same code); here they become the in-process
//! launcher's [`TokenSource`].
//!
//! Tokens are kept in memory only. They are never written to the store: a
//! job records its installation id, and whoever runs ingest asks the cache
//! (in process, through the launcher's `TokenSource`; in a worker, through
//! `doctown_worker::WorkerTokens`).

use crate::launcher::TokenSource;

pub use doctown_accounts::github_app::{AppClaims, InstallationTokens};

impl TokenSource for InstallationTokens {
    fn installation_token(&self, installation_id: u64) -> Result<String, String> {
        self.token(installation_id)
    }
}
