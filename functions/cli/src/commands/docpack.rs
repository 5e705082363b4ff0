//! Commands on docpack files: verify, inspect, search, export, diff.

use crate::args::{DiffArgs, ExportArgs, InspectArgs, SearchArgs, VerifyArgs};
use anyhow::{Context, Result};
use doctown_docpack::{
    diff, export_markdown, inspect, read_docpack, search_checked, verify, Docpack,
};
use std::path::Path;
use std::process::ExitCode;

fn open(path: &Path) -> Result<Docpack> {
    read_docpack(path).with_context(|| format!("{}", path.display()))
}

pub fn verify_cmd(args: VerifyArgs) -> Result<ExitCode> {
    let report = verify(&args.file)
        .with_context(|| format!("{} is not a valid docpack", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{}: valid docpack {}",
            args.file.display(),
            report.docpack_id
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn inspect_cmd(args: InspectArgs) -> Result<ExitCode> {
    let inspection = inspect(&open(&args.file)?);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&inspection)?);
    } else {
        print!("{}", inspection.render());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn search_cmd(args: SearchArgs) -> Result<ExitCode> {
    let docpack = open(&args.file)?;
    let vector = match (&docpack.embeddings, args.names_only) {
        (Some(_), false) => Some(embed_query(
            &args.query,
            docpack.manifest.models.embedding.as_deref(),
        )?),
        _ => None,
    };
    let hits = search_checked(&docpack, vector.as_deref(), &args.query, args.limit)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        println!("no matches for {:?}", args.query);
    }
    for hit in &hits {
        println!(
            "{:.3}  {} ({})  {}:{}",
            hit.score, hit.qualified_name, hit.kind, hit.path, hit.line
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The query's vector, with the model the docpack was built with.
fn embed_query(query: &str, model_id: Option<&str>) -> Result<Vec<f32>> {
    let config = doctown_embed::EmbedConfig::from_env()?;
    if let Some(id) = model_id {
        anyhow::ensure!(
            id == config.model_id,
            "the docpack was embedded with {id} but this host has {}; use --names-only or configure that model",
            config.model_id
        );
    }
    let embedder = doctown_embed::Embedder::shared(&config)?;
    let mut vectors = embedder.embed(&[query], &doctown_embed::BatchPlan::from_config(&config))?;
    vectors.pop().context("the model returned no vector")
}

pub fn export_cmd(args: ExportArgs) -> Result<ExitCode> {
    let report = export_markdown(&open(&args.file)?, &args.markdown)?;
    println!(
        "wrote {} pages to {}",
        report.files.len(),
        args.markdown.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn diff_cmd(args: DiffArgs) -> Result<ExitCode> {
    let changes = diff(&open(&args.old)?, &open(&args.new)?);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&changes)?);
    } else {
        print!("{}", changes.render());
    }
    Ok(ExitCode::SUCCESS)
}
