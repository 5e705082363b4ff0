//! `doctown mcp`: docpacks served to AI assistants over the Model Context
//! Protocol on stdin/stdout — docpack files named here, or a job store's
//! finished jobs. Stdout carries the protocol only; everything else goes to
//! stderr.

use crate::args::{McpArgs, StoreArgs};
use crate::query_host;
use anyhow::{bail, Context, Result};
use doctown_mcp::DoctownMcp;
use doctown_query::StoreCatalog;
use doctown_query::{Engine, Opening};
use doctown_store::{LocalStore, ObjectStore};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The engine over the files named (working trees aside), or over the
/// store's catalog.
fn engine(args: &McpArgs) -> Result<Engine> {
    let opening = Opening {
        in_place: args.in_place,
        sidecars: Some(query_host::sidecars()),
    };
    if let Some(dir) = &args.store {
        if !dir.is_dir() {
            bail!("no job store at {}", dir.display());
        }
        let store: Arc<dyn ObjectStore> = Arc::new(
            LocalStore::open(dir)
                .with_context(|| format!("cannot open the store at {}", dir.display()))?,
        );
        let catalog = Arc::new(StoreCatalog::new(store));
        return Ok(Engine::with_catalog(catalog, args.cache.max(1)).with_opening(opening));
    }
    let files: Vec<PathBuf> = args.files.iter().filter(|p| !p.is_dir()).cloned().collect();
    let engine = Engine::open_with(&files, &opening);
    let failures = engine.failures();
    if !files.is_empty() && failures.len() == files.len() && files.len() == args.files.len() {
        match failures {
            [one] => bail!("cannot serve {}: {}", one.location, one_line(&one.error)),
            many => bail!(
                "no docpack could be served: {}",
                many.iter()
                    .map(|f| format!("{}: {}", f.location, one_line(&f.error)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }
    for f in failures {
        eprintln!(
            "doctown mcp: cannot serve {}: {}",
            f.location,
            one_line(&f.error)
        );
    }
    engine.warm_search();
    Ok(engine)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn mcp_cmd(args: McpArgs) -> Result<ExitCode> {
    let engine = Arc::new(engine(&args)?);
    let trees: Vec<PathBuf> = args.files.iter().filter(|p| p.is_dir()).cloned().collect();
    let _watchers = crate::live::serve_trees(&trees, &StoreArgs { store: None }, &engine)?;
    let ask_model = query_host::ask_model().unwrap_or_else(|e| {
        eprintln!("doctown mcp: ask answers with the evidence only: {e:#}");
        None
    });
    let server = DoctownMcp::new(engine)
        .with_embedder(query_host::embedder())
        .with_ask_model(ask_model);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(doctown_mcp::serve_stdio(server))?;
    // The stdin reader may still be blocked in a read; do not wait for it.
    runtime.shutdown_background();
    Ok(ExitCode::SUCCESS)
}
