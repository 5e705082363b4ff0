//! `doctown setup`: writes (or removes) Doctown's MCP server in the
//! configuration of each coding tool installed for this user. A file it
//! cannot edit safely is left as it is, with the reason and the entry to
//! add by hand; a file already right is not touched.

use crate::args::SetupArgs;
use crate::setup::{diff, plan, project_tools, shown, tools, Change, Homes, Server, Tool};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The tools to set up, the server each one starts, and the directory
/// their files are shown from (`~`, or `.` for a project).
struct Targets {
    tools: Vec<Tool>,
    server: Box<dyn Fn(&Tool) -> Server>,
    base: PathBuf,
    label: &'static str,
}

fn targets(args: &SetupArgs, homes: &Homes, store: &Path) -> Result<Targets> {
    if let Some(dir) = &args.project {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("no project directory {}", dir.display()))?;
        // A committed file names the program, found on each user's PATH.
        let server = |t: &Tool| Server {
            command: "doctown".into(),
            args: vec!["mcp".into(), t.workspace.into()],
        };
        return Ok(Targets {
            tools: project_tools(homes, &dir),
            server: Box::new(server),
            base: dir,
            label: ".",
        });
    }
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot tell where this doctown is installed")?;
    let store_args = vec!["mcp".into(), "--store".into(), store.display().to_string()];
    let server = move |_: &Tool| Server {
        command: exe.display().to_string(),
        args: store_args.clone(),
    };
    Ok(Targets {
        tools: tools(homes),
        server: Box::new(server),
        base: homes.home.clone(),
        label: "~",
    })
}

pub fn setup_cmd(args: SetupArgs) -> Result<ExitCode> {
    let homes = Homes::of_user().context("no home directory to find the coding tools in")?;
    let store = args.store.dir()?;
    let targets = targets(&args, &homes, &store)?;
    let mut counts = [0usize; 3]; // changed, left as they are, installed
    for tool in &chosen_tools(targets.tools, &args.tools)? {
        let file = shown(&tool.file, &targets.base, targets.label);
        if !tool.installed() {
            let marker = shown(&tool.marker, &homes.home, "~");
            println!("{:<14} not installed ({marker} not found)", tool.name);
            continue;
        }
        counts[2] += 1;
        let server = (targets.server)(tool);
        let change = apply(tool, (!args.remove).then_some(&server), args.dry_run);
        if let Some(k) = report(tool.name, &file, change, &args) {
            counts[k] += 1;
        }
    }
    summary(&args, counts, &store)
}

/// Prints what happened to one tool's file; the count it adds to: 0 when
/// it changed (or would), 1 when it was left as it is, none when it was right.
fn report(name: &str, file: &str, change: Result<Change>, args: &SetupArgs) -> Option<usize> {
    match change {
        Ok(Change::Unchanged) => {
            println!("{name:<14} {file}: {}", unchanged(args.remove));
            None
        }
        Ok(Change::Write { before, after }) => {
            let verb = done(args.remove, before.is_empty(), args.dry_run);
            println!("{name:<14} {file}: {verb}");
            if args.dry_run {
                for line in diff::changed_lines(&before, &after) {
                    println!("    {line}");
                }
            }
            Some(0)
        }
        Ok(Change::Refused { why, by_hand }) => {
            println!("{name:<14} {file}: left as it is: {why}");
            if !by_hand.is_empty() {
                println!("    add by hand:");
                by_hand.lines().for_each(|l| println!("      {l}"));
            }
            Some(1)
        }
        Err(e) => {
            println!("{name:<14} {file}: left as it is: {e:#}");
            Some(1)
        }
    }
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
    if args.project.is_some() {
        if !args.remove && !args.dry_run && changed > 0 {
            println!("Commit these files: whoever opens the project in those tools gets `doctown mcp .` (doctown on their PATH)");
        }
    } else if !args.remove && !args.dry_run && changed > 0 {
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
