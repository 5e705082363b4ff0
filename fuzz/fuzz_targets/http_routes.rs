//! The router itself: a request made from the input by
//! `doctown_trigger::probe::request_from_bytes` (any route of `ROUTES`,
//! its method or another, the headers an attacker controls: content type,
//! Origin, Host, Authorization, cookies, CSRF token, GitHub's and Stripe's
//! signature and event headers, and a body) sent through a local-mode
//! router with API keys and a webhook secret.
//!
//! Checks: no panic; no 500; every refusal is a one-line JSON error.

#![no_main]

use doctown_store::{MemoryStore, ObjectStore};
use doctown_trigger::{
    router, AppState, HandlerFactory, InProcessLauncher, InProcessOptions, JobLauncher,
    ServerName, TriggerConfig,
};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

struct World {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let app = runtime.block_on(async {
            let store = Arc::new(MemoryStore::new());
            // No stage handlers: a job that starts fails at once.
            let handlers: HandlerFactory = Arc::new(|_| Vec::new());
            let launcher =
                InProcessLauncher::new(store.clone(), handlers, InProcessOptions::default())
                    .unwrap();
            let mut config = TriggerConfig::default().with_api_keys(["fuzz-key"]);
            config.webhook_secret = Some("fuzz-secret".into());
            config.server_names = ServerName::of_addr(&"127.0.0.1:8080".parse().unwrap());
            let state = AppState::new(
                store as Arc<dyn ObjectStore>,
                Arc::new(launcher) as Arc<dyn JobLauncher>,
                config,
            );
            router(state)
        });
        World { runtime, app }
    })
}

fuzz_target!(|data: &[u8]| {
    let world = world();
    let request = doctown_trigger::probe::request_from_bytes(data);
    world.runtime.block_on(async {
        let response = world.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        assert_ne!(status, 500);
        let streamed = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
        if status >= 400 && !streamed {
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let error = body["error"].as_str().unwrap();
            assert!(!error.is_empty() && !error.contains('\n'));
        }
    });
});
