//! `doctown setup`: writes (or removes) Doctown's MCP server in the
//! configuration of each coding tool installed for this user. A file it
//! cannot edit safely is left as it is, with the reason and the entry to
//! add by hand; a file already right is not touched.

use crate::args::SetupArgs;
use crate::setup::{diff, plan, shown, tools, Change, Homes, Server, Tool};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn setup_cmd(args: SetupArgs) -> Result<ExitCode> {
    let homes = Homes::of_user().context("no home directory to find the coding tools in")?;
    let store = args.store.dir()?;
    let server = Server {
        command: std::env::current_exe()
            .and_then(|p| p.canonicalize())
            .context("cannot tell where this doctown is installed")?
            .display()
            .to_string(),
        args: vec!["mcp".into(), "--store".into(), store.display().to_string()],
    };
    let chosen = chosen_tools(tools(&homes), &args.tools)?;
    let wanted = (!args.remove).then_some(&server);
    let mut counts = [0usize; 3]; // changed, left as they are, installed
    for tool in &chosen {
        let file = shown(&tool.file, &homes.home);
        if !tool.installed() {
            println!(
                "{:<14} not installed ({} not found)",
                tool.name,
                shown(&tool.marker, &homes.home)
            );
            continue;
        }
        counts[2] += 1;
        match apply(tool, wanted, args.dry_run) {
            Ok(Change::Unchanged) => {
                println!("{:<14} {file}: {}", tool.name, unchanged(args.remove))
            }
            Ok(Change::Write { before, after }) => {
                counts[0] += 1;
                println!(
                    "{:<14} {file}: {}",
                    tool.name,
                    done(args.remove, before.is_empty(), args.dry_run)
                );
                if args.dry_run {
                    diff::changed_lines(&before, &after)
                        .iter()
                        .for_each(|l| println!("    {l}"));
                }
            }
            Ok(Change::Refused { why, by_hand }) => {
                counts[1] += 1;
                println!("{:<14} {file}: left as it is: {why}", tool.name);
                if !by_hand.is_empty() {
                    println!("    add by hand:");
                    by_hand.lines().for_each(|l| println!("      {l}"));
                }
            }
            Err(e) => {
                counts[1] += 1;
                println!("{:<14} {file}: left as it is: {e:#}", tool.name);
            }
        }
    }
    summary(&args, counts, &store)
}

fn unchanged(remove: bool) -> &'static str {
    if remove {
        "no doctown server to remove"
    } else {
        "already set"
    }
}

fn done(remove: bool, new_file: bool, dry_run: bool) -> String {
    let verb = match (remove, new_file) {
        (true, _) => "remove the doctown server",
        (false, true) => "create it with the doctown server",
        (false, false) => "set the doctown server",
    };
    if dry_run {
        format!("would {verb}")
    } else {
        format!("did {verb}")
    }
}

fn summary(
    args: &SetupArgs,
    [changed, left, installed]: [usize; 3],
    store: &Path,
) -> Result<ExitCode> {
    let verb = if args.dry_run {
        "would change"
    } else {
        "changed"
    };
    println!("{installed} tools installed; {verb} {changed} files, {left} left as they are");
    if !args.remove && !args.dry_run && changed > 0 {
        std::fs::create_dir_all(store)
            .with_context(|| format!("cannot create the job store {}", store.display()))?;
        println!(
            "The tools serve the docpacks of {} (restart them; `doctown build` adds repositories)",
            store.display()
        );
    }
    Ok(if left > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The tools named by `--tool`, or all.
fn chosen_tools(all: Vec<Tool>, names: &[String]) -> Result<Vec<Tool>> {
    if names.is_empty() {
        return Ok(all);
    }
    let known: Vec<&str> = all.iter().map(|t| t.name).collect();
    for name in names {
        if !all.iter().any(|t| t.name.eq_ignore_ascii_case(name)) {
            bail!(
                "no coding tool named {name:?} (known: {})",
                known.join(", ")
            );
        }
    }
    Ok(all
        .into_iter()
        .filter(|t| names.iter().any(|n| t.name.eq_ignore_ascii_case(n)))
        .collect())
}

/// Plans the tool's change and, unless `dry_run`, writes it.
fn apply(tool: &Tool, server: Option<&Server>, dry_run: bool) -> Result<Change> {
    // A symlinked file (dotfiles) is edited where it points.
    let path = std::fs::canonicalize(&tool.file).unwrap_or_else(|_| tool.file.clone());
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).context("it is not UTF-8 text")?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).context("cannot read it"),
    };
    let change = plan(tool.format, &text, server);
    if let (Change::Write { after, .. }, false) = (&change, dry_run) {
        write_in_place(&path, after)?;
    }
    Ok(change)
}

/// Replaces the file by a complete new one (a temporary file renamed over
/// it), keeping its permissions; a crash leaves the old file or the new.
fn write_in_place(path: &PathBuf, text: &str) -> Result<()> {
    let dir = path.parent().context("a file without a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).context("cannot write beside it")?;
    std::io::Write::write_all(&mut temp, text.as_bytes()).context("cannot write it")?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(temp.path(), meta.permissions())
            .context("cannot keep its permissions")?;
    }
    temp.persist(path).context("cannot replace it")?;
    Ok(())
}
