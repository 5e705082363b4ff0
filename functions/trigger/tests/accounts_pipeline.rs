//! A private repository built by the real stages (ingest through pack,
//! embeddings off) from a stand-in GitHub that serves it only with its
//! owner's token: the token fetches the tarball, the docpack documents the
//! code, and the token is nowhere in the store afterwards — not in the
//! state document, an event, an artifact or the docpack.

mod common;
mod standin;

use doctown_embed::EmbedConfig;
use doctown_generate::GenerateConfig;
use doctown_sources::GitHubConfig;
use doctown_stages::{Stages, StagesConfig};
use doctown_store::ObjectStore;
use doctown_trigger::{HandlerFactory, LaunchContext};
use serde_json::json;
use standin::*;
use std::sync::Arc;

fn real_stages(base: &str, seen: common::SeenTokens) -> HandlerFactory {
    let api = format!("{base}/api");
    Arc::new(move |ctx: &LaunchContext| {
        if ctx.job_id.is_some() {
            seen.lock().unwrap().push(ctx.github_token.clone());
        }
        let github = GitHubConfig {
            api_base: api.clone(),
            token: ctx.github_token.clone(),
            ..GitHubConfig::default()
        };
        let embed = EmbedConfig {
            enabled: false,
            ..EmbedConfig::default()
        };
        let config = StagesConfig {
            github,
            embed,
            generate: GenerateConfig::default(),
        };
        Stages::new(config).into_handlers()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_repository_built_for_real_keeps_its_token_out_of_the_store() {
    let w = world_with(|c| c.plans.free.private_repos = true, real_stages).await;
    let ada = w.sign_in("ada").await;
    let accepted = w
        .call(
            "POST",
            "/jobs",
            &ada,
            Some(json!({ "repo_url": "https://github.com/ada/secret" })),
        )
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text);
    let job = accepted.body["job_id"].as_str().unwrap().to_string();
    w.wait_terminal(&job).await;
    let state = w.call("GET", &format!("/jobs/{job}"), &ada, None).await;
    assert_eq!(state.body["status"], "succeeded", "{}", state.text);
    assert_eq!(state.body["source"]["commit"], COMMIT);
    assert_eq!(*w.seen_tokens.lock().unwrap(), vec![Some(token_of("ada"))]);
    let docpack = w
        .call("GET", &format!("/jobs/{job}/docpack"), &ada, None)
        .await;
    assert_eq!(docpack.status, 200);
    let pack = doctown_docpack::read_docpack_bytes(
        &docpack.bytes,
        &doctown_docpack::ReadLimits::default(),
    )
    .unwrap();
    assert!(
        pack.nodes.symbols.iter().any(|n| n.name == "double"),
        "the private code is documented"
    );
    let token = token_of("ada");
    let keys = w.store.list("").unwrap();
    assert!(keys.len() > 5, "{keys:?}");
    for key in keys {
        let bytes = w.store.get(&key).unwrap().unwrap().bytes;
        let found = bytes
            .windows(token.len())
            .any(|win| win == token.as_bytes())
            || bytes.windows(11).any(|win| win == b"SECRETTOKEN");
        assert!(!found, "{key} holds the owner's token");
    }
    // Gzip hides text from a byte search: look inside the docpack too.
    let text = format!("{pack:?}");
    assert!(text.contains("pub fn double") || text.contains("double"));
    assert!(!text.contains("SECRETTOKEN"), "the docpack holds the token");
    // Bob's token cannot fetch it, and Bob cannot see the job.
    assert_eq!(
        w.call(
            "GET",
            &format!("/jobs/{job}/docpack"),
            &w.sign_in("bob").await,
            None
        )
        .await
        .status,
        404
    );
}
