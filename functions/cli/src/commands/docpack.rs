//! Commands on docpack files: verify, inspect, export, diff.

use crate::args::{DiffArgs, ExportArgs, InspectArgs, VerifyArgs};
use anyhow::{Context, Result};
use doctown_docpack::{diff, export_markdown, inspect, read_docpack, verify, Docpack};
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
