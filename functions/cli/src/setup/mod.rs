//! `doctown setup`: the coding tools installed for this user, where each
//! keeps its MCP servers, and the edit that adds (or removes) Doctown's.
//! Pure planning over file contents; `commands/setup.rs` reads and writes.

pub mod diff;
mod json_entry;
mod toml_entry;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The name of the server entry in every tool's configuration.
pub const ENTRY: &str = "doctown";

/// How a tool's file holds its MCP servers.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// A JSON object `top: {NAME: {command, args}}`; `typed` adds
    /// `"type": "stdio"` (Claude Code, VS Code).
    Json { top: &'static str, typed: bool },
    /// A TOML table `[top.NAME]` with `command` and `args` (Codex).
    Toml { top: &'static str },
}

/// A coding tool as installed for one user.
#[derive(Debug, Clone)]
pub struct Tool {
    pub name: &'static str,
    /// Present when the tool is installed for the user.
    pub marker: PathBuf,
    /// Its MCP configuration file.
    pub file: PathBuf,
    pub format: Format,
    /// How a project's file names the project to `doctown mcp` (`.`, or
    /// VS Code's `${workspaceFolder}`).
    pub workspace: &'static str,
}

/// The user's directories the tools live under.
#[derive(Debug, Clone)]
pub struct Homes {
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME` (`~/.config`) on Linux, `~/Library/Application
    /// Support` on macOS.
    pub config: PathBuf,
    /// `$CODEX_HOME`, else `~/.codex`.
    pub codex: PathBuf,
}

impl Homes {
    pub fn of_user() -> Option<Homes> {
        let home = dirs::home_dir()?;
        let codex = std::env::var_os("CODEX_HOME")
            .filter(|v| !v.is_empty())
            .map_or_else(|| home.join(".codex"), PathBuf::from);
        Some(Homes {
            config: dirs::config_dir().unwrap_or_else(|| home.join(".config")),
            codex,
            home,
        })
    }
}

/// Every tool `setup` knows, with the paths each one's documentation
/// gives (Zed keeps `~/.config/zed` on macOS too).
pub fn tools(h: &Homes) -> Vec<Tool> {
    let (home, config) = (&h.home, &h.config);
    let json = |top| Format::Json { top, typed: false };
    let typed = |top| Format::Json { top, typed: true };
    let code = config.join("Code/User");
    let cline = code.join("globalStorage/saoudrizwan.claude-dev");
    let zed = match cfg!(target_os = "macos") {
        true => home.join(".config/zed"),
        false => config.join("zed"),
    };
    #[rustfmt::skip]
    let rows = [
        ("Claude Code", home.join(".claude.json"), home.join(".claude.json"), typed("mcpServers")),
        ("Claude Desktop", config.join("Claude"), config.join("Claude/claude_desktop_config.json"), json("mcpServers")),
        ("Cursor", home.join(".cursor"), home.join(".cursor/mcp.json"), json("mcpServers")),
        ("VS Code", code.clone(), code.join("mcp.json"), typed("servers")),
        ("Cline", cline.clone(), cline.join("settings/cline_mcp_settings.json"), json("mcpServers")),
        ("Windsurf", home.join(".codeium/windsurf"), home.join(".codeium/windsurf/mcp_config.json"), json("mcpServers")),
        ("Codex", h.codex.clone(), h.codex.join("config.toml"), Format::Toml { top: "mcp_servers" }),
        ("Zed", zed.clone(), zed.join("settings.json"), json("context_servers")),
        ("Gemini CLI", home.join(".gemini"), home.join(".gemini/settings.json"), json("mcpServers")),
    ];
    rows.into_iter()
        .map(|(name, marker, file, format)| Tool {
            name,
            marker,
            file,
            format,
            workspace: ".",
        })
        .collect()
}

/// The tools that read a file committed with a project, with that file
/// under `dir` (each installed when it is installed for the user).
pub fn project_tools(h: &Homes, dir: &Path) -> Vec<Tool> {
    let at = |rel: &str| dir.join(rel);
    #[rustfmt::skip]
    let files = [
        ("Claude Code", at(".mcp.json")),
        ("Cursor", at(".cursor/mcp.json")),
        ("VS Code", at(".vscode/mcp.json")),
        ("Codex", at(".codex/config.toml")),
        ("Zed", at(".zed/settings.json")),
        ("Gemini CLI", at(".gemini/settings.json")),
    ];
    tools(h)
        .into_iter()
        .filter_map(|t| {
            let (_, file) = files.iter().find(|(name, _)| *name == t.name)?;
            let workspace = match t.name {
                "VS Code" => "${workspaceFolder}",
                _ => ".",
            };
            Some(Tool {
                file: file.clone(),
                workspace,
                ..t
            })
        })
        .collect()
}

impl Tool {
    /// Installed for the user: its marker exists.
    pub fn installed(&self) -> bool {
        self.marker.exists()
    }
}

/// The server a tool starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub command: String,
    pub args: Vec<String>,
}

/// What to do with one tool's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The file already says what it should.
    Unchanged,
    /// Write `after` over `before` (empty when the file is new).
    Write { before: String, after: String },
    /// Leave the file: why, and the entry to add by hand.
    Refused { why: String, by_hand: String },
}

/// The change that makes `text` (the file's contents, empty when it has
/// none) hold `server` as the `doctown` entry, or not at all (`None`).
pub fn plan(format: Format, text: &str, server: Option<&Server>) -> Change {
    let edited = match format {
        Format::Json { top, typed } => {
            let entry = server.map(|s| json_fields(s, typed));
            json_entry::set_entry(text, top, ENTRY, entry.as_deref())
        }
        Format::Toml { top } => {
            let server = server.map(|s| (s.command.as_str(), s.args.as_slice()));
            toml_entry::set_table(text, top, ENTRY, server)
        }
    };
    match edited {
        Ok(None) => Change::Unchanged,
        Ok(Some(after)) => Change::Write {
            before: text.to_string(),
            after,
        },
        Err(why) => Change::Refused {
            why,
            by_hand: server.map_or_else(String::new, |s| snippet(format, s)),
        },
    }
}

/// The entry's fields in the order the tools' documentation writes them.
fn json_fields(server: &Server, typed: bool) -> Vec<(&'static str, Value)> {
    let typed = typed.then(|| ("type", json!("stdio")));
    typed
        .into_iter()
        .chain([
            ("command", json!(server.command)),
            ("args", json!(server.args)),
        ])
        .collect()
}

/// The entry as a person would add it to the file.
pub fn snippet(format: Format, server: &Server) -> String {
    match format {
        Format::Json { top, typed } => {
            json_entry::set_entry("", top, ENTRY, Some(&json_fields(server, typed)))
                .ok()
                .flatten()
                .unwrap_or_default()
        }
        Format::Toml { .. } => toml_entry::set_table(
            "",
            "mcp_servers",
            ENTRY,
            Some((&server.command, &server.args)),
        )
        .ok()
        .flatten()
        .unwrap_or_default(),
    }
}

/// `path` shown from `base`, which is called `label` (`~`, `.`).
pub fn shown(path: &Path, base: &Path, label: &str) -> String {
    match path.strip_prefix(base) {
        Ok(rest) => format!("{label}/{}", rest.display()),
        Err(_) => path.display().to_string(),
    }
}
