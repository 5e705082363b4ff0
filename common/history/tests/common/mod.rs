//! Histories built by the tests: a git repository in a temporary
//! directory, commits made with the `git` command under fixed authors and
//! dates (so ids, and the golden document, are the same on every run), and
//! a toy symbol source.

#![allow(dead_code)]

use doctown_history::{SymbolSource, SymbolSpan};
use std::path::{Path, PathBuf};
use std::process::Command;

/// 2024-01-01T12:00:00Z.
pub const START: i64 = 1_704_110_400;
pub const DAY: i64 = 86_400;

pub struct Repo {
    dir: tempfile::TempDir,
}

pub fn git_in(dir: &Path, args: &[&str], env: &[(&str, String)]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Nobody")
        .env("GIT_AUTHOR_EMAIL", "nobody@example.com")
        .env("GIT_COMMITTER_NAME", "Nobody")
        .env("GIT_COMMITTER_EMAIL", "nobody@example.com")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

impl Repo {
    pub fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, path: &str) -> PathBuf {
        self.dir.path().join(path)
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args, &[])
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) -> &Repo {
        let file = self.file(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
        self
    }

    pub fn remove(&self, path: &str) -> &Repo {
        self.git(&["rm", "-q", path]);
        self
    }

    pub fn mv(&self, from: &str, to: &str) -> &Repo {
        std::fs::create_dir_all(self.file(to).parent().unwrap()).unwrap();
        self.git(&["mv", from, to]);
        self
    }

    /// Commits everything as `who` (see [`identity`]) on day `day` after
    /// START.
    pub fn commit(&self, who: &str, day: i64, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.commit_staged(
            who,
            day,
            message,
            &["commit", "-q", "--allow-empty", "-m", message],
        )
    }

    pub fn commit_staged(&self, who: &str, day: i64, _message: &str, args: &[&str]) -> String {
        let (name, email) = identity(who);
        let date = format!("@{} +0000", START + day * DAY);
        let env = [
            ("GIT_AUTHOR_NAME", name.clone()),
            ("GIT_AUTHOR_EMAIL", email.clone()),
            ("GIT_AUTHOR_DATE", date.clone()),
            ("GIT_COMMITTER_NAME", name),
            ("GIT_COMMITTER_EMAIL", email),
            ("GIT_COMMITTER_DATE", date),
        ];
        git_in(self.path(), args, &env);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Merges `branch` into the current branch with a merge commit.
    pub fn merge(&self, who: &str, day: i64, branch: &str) -> String {
        let message = format!("merge {branch}");
        self.commit_staged(
            who,
            day,
            &message,
            &[
                "merge",
                "-q",
                "--no-ff",
                "--no-edit",
                "-m",
                &message,
                branch,
            ],
        )
    }
}

/// `Name <email>`, `local@domain` (named `local`) or a bare name (at
/// example.com).
pub fn identity(who: &str) -> (String, String) {
    if let Some((name, rest)) = who.split_once(" <") {
        return (name.to_string(), rest.trim_end_matches('>').to_string());
    }
    match who.split_once('@') {
        Some((name, _)) => (name.to_string(), who.to_string()),
        None => (who.to_string(), format!("{who}@example.com")),
    }
}

/// `n` numbered lines.
pub fn lines(prefix: &str, n: usize) -> String {
    (1..=n).map(|i| format!("{prefix} {i}\n")).collect()
}

/// A toy language, borrowing Lua's extension so that hotspots count its
/// files as code: a line `fn NAME` opens a symbol, a line
/// `end` closes it; `type NAME` opens a container whose `fn`s nest in it
/// as `NAME.fn`.
pub struct Toy;

impl SymbolSource for Toy {
    fn supports(&self, path: &str) -> bool {
        path.ends_with(".lua")
    }

    fn fingerprint(&self) -> String {
        "toy 1".to_string()
    }

    fn symbols(&self, _path: &str, content: &[u8]) -> Vec<SymbolSpan> {
        let text = String::from_utf8_lossy(content);
        let mut out = Vec::new();
        let mut open: Vec<(String, String, u32)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i as u32 + 1;
            let trimmed = line.trim();
            let prefix = open
                .last()
                .map(|(name, _, _)| format!("{name}."))
                .unwrap_or_default();
            if let Some(name) = trimmed.strip_prefix("fn ") {
                open.push((format!("{prefix}{name}"), "function".into(), n));
            } else if let Some(name) = trimmed.strip_prefix("type ") {
                open.push((format!("{prefix}{name}"), "type".into(), n));
            } else if trimmed == "end" {
                if let Some((name, kind, start)) = open.pop() {
                    out.push(SymbolSpan {
                        name,
                        kind,
                        start_line: start,
                        end_line: n,
                    });
                }
            }
        }
        out.sort_by_key(|s| s.start_line);
        out
    }
}
