//! Commands on docpack files: verify, inspect, export, diff, upgrade.

use crate::args::{DiffArgs, ExportArgs, InspectArgs, UpgradeArgs, VerifyArgs};
use anyhow::{Context, Result};
use doctown_docpack::mermaid::{self, FlowLine};
use doctown_docpack::{diff, export_markdown_with_flows, inspect, read_docpack, verify, Docpack};
use doctown_query::Reader;
use std::path::Path;
use std::process::ExitCode;

fn open(path: &Path) -> Result<Docpack> {
    read_docpack(path).with_context(|| format!("{}", path.display()))
}

pub fn verify_cmd(args: VerifyArgs) -> Result<ExitCode> {
    let report = verify(&args.file).map_err(|e| {
        let why = match e {
            // Larger than this reader holds is not damaged: say which.
            doctown_docpack::DocpackError::LimitExceeded(_) => "cannot be verified here",
            _ => "is not a valid docpack",
        };
        anyhow::Error::new(e).context(format!("{} {why}", args.file.display()))
    })?;
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
    let docpack = open(&args.file)?;
    let origin = doctown_query::Origin {
        location: args.file.display().to_string(),
        checkout: None,
    };
    let pack = doctown_query::Pack::new("export", origin, docpack);
    let flows = top_flows(&pack);
    let report = export_markdown_with_flows(&pack.docpack, &args.markdown, &flows)?;
    println!(
        "wrote {} pages to {}",
        report.files.len(),
        args.markdown.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The query engine's best flows, as the export draws them.
fn top_flows(pack: &doctown_query::Pack) -> Vec<FlowLine> {
    let found = doctown_query::flows(pack, None, None, 0, mermaid::MAX_FLOWS);
    found
        .flows
        .into_iter()
        .map(|f| FlowLine {
            steps: f
                .path
                .iter()
                .map(|s| match pack.index_of(&s.id) {
                    Some(i) => (
                        pack.symbol(i).name.clone(),
                        pack.module_name(i).map(String::from),
                    ),
                    None => (s.name.clone(), None),
                })
                .collect(),
            name: f.name,
            kind: f.kind.to_string(),
            reach: f.reach,
        })
        .collect()
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

/// Reads a docpack whole (any version this reader reads) and writes it in
/// the current format beside the output, then moves it into place.
pub fn upgrade_cmd(args: UpgradeArgs) -> Result<ExitCode> {
    let docpack = open(&args.file)?;
    let from = docpack.manifest.schema_version.clone();
    let dir = match args.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    let spool = tempfile::tempdir_in(&dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    let written = doctown_docpack::write_docpack(
        docpack.into(),
        None,
        &doctown_docpack::blocks::BlockCache::default(),
        spool.path(),
        std::io::BufWriter::new(tmp.as_file()),
    )?
    .try_map_out(|w| w.into_inner().map(|_| ()).map_err(|e| e.into_error()))
    .with_context(|| format!("cannot write {}", args.output.display()))?;
    tmp.persist(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let indexed = written
        .manifest
        .checksum
        .entries
        .iter()
        .any(|e| e.name == doctown_docpack::entry::ACCESS);
    println!(
        "{} ({from}) -> {} ({}{})",
        args.file.display(),
        args.output.display(),
        written.manifest.schema_version,
        if indexed {
            ", with access.bin"
        } else {
            "; no access.bin: its symbol ids are not canonical"
        }
    );
    Ok(ExitCode::SUCCESS)
}
