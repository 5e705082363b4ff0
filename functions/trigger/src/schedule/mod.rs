//! Scheduled batch runs: a TOML file of entries, each a cron expression (UTC)
//! and the repositories and refs to rebuild when it fires.
//!
//! ```toml
//! [[schedule]]
//! name = "nightly"            # a-z, 0-9, '-', '_'
//! cron = "0 3 * * *"          # 5 fields (min hour dom month dow) or 6-7 with seconds
//! [[schedule.repos]]
//! url = "https://github.com/rust-lang/log"
//! refs = ["master"]           # optional: the default branch
//! ```
//!
//! [`run_schedule_once`] checks every entry at `now`: an entry is due when
//! one of its fire times falls after its last check (stored in
//! `schedules/<name>/cursor.json`, claimed by compare-and-swap so that two
//! instances never run the same tick). For each repository and ref of a due
//! entry the current commit is resolved; a ref whose commit equals the one
//! of its last run (`schedules/<name>/last/<hash>.json`), whose job did not
//! fail, is skipped. Each run is recorded in
//! `schedules/<name>/runs/<YYYYMMDDTHHMMSSZ>.json`.

mod resolver;
mod run;

pub use resolver::{CommitResolver, GitHubResolver, LocalGitResolver, SourceResolver};
pub use run::{run_schedule_loop, run_schedule_once, RunItem, RunOutcome, ScheduleRun};

use crate::error::TriggerError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::str::FromStr;

/// A schedule file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(default, rename = "schedule")]
    pub entries: Vec<ScheduleEntry>,
}

/// One cron expression and what it rebuilds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    pub name: String,
    pub cron: String,
    pub repos: Vec<ScheduledRepo>,
}

/// A repository and the refs to build (empty: the default branch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledRepo {
    pub url: String,
    #[serde(default)]
    pub refs: Vec<String>,
}

impl Schedule {
    /// Parses and checks a schedule file's text.
    pub fn parse(text: &str) -> Result<Self, TriggerError> {
        let schedule: Schedule =
            toml::from_str(text).map_err(|e| TriggerError::Schedule(e.to_string()))?;
        let mut names = std::collections::HashSet::new();
        for entry in &schedule.entries {
            let ok = !entry.name.is_empty()
                && entry.name.len() <= 64
                && entry.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !ok {
                return Err(TriggerError::Schedule(format!(
                    "invalid entry name {:?}: use 1-64 characters from a-z, 0-9, '-' and '_'",
                    entry.name
                )));
            }
            if !names.insert(entry.name.clone()) {
                return Err(TriggerError::Schedule(format!(
                    "duplicate entry name {:?}",
                    entry.name
                )));
            }
            entry.cron_schedule()?;
            if entry.repos.is_empty() {
                return Err(TriggerError::Schedule(format!(
                    "entry {:?} has no repos",
                    entry.name
                )));
            }
            for repo in &entry.repos {
                if repo.url.trim().is_empty() {
                    return Err(TriggerError::Schedule(format!(
                        "entry {:?} has a repo without url",
                        entry.name
                    )));
                }
            }
        }
        Ok(schedule)
    }

    /// Reads and parses a schedule file.
    pub fn load(path: &Path) -> Result<Self, TriggerError> {
        let text = std::fs::read_to_string(path).map_err(|source| TriggerError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|e| TriggerError::Schedule(format!("{}: {e}", path.display())))
    }
}

impl ScheduleEntry {
    /// The parsed cron expression (5-field expressions get a `0` seconds field).
    pub fn cron_schedule(&self) -> Result<cron::Schedule, TriggerError> {
        let expr = self.cron.trim();
        let full = if expr.split_whitespace().count() == 5 {
            format!("0 {expr}")
        } else {
            expr.to_string()
        };
        cron::Schedule::from_str(&full).map_err(|e| {
            TriggerError::Schedule(format!(
                "entry {:?}: invalid cron {:?}: {e}",
                self.name, self.cron
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let text = r#"
            [[schedule]]
            name = "nightly"
            cron = "0 3 * * *"
            [[schedule.repos]]
            url = "https://github.com/o/r"
            refs = ["main", "dev"]
        "#;
        let s = Schedule::parse(text).unwrap();
        assert_eq!(s.entries[0].repos[0].refs.len(), 2);
        assert!(s.entries[0].cron_schedule().is_ok());
        for bad in [
            "[[schedule]]\nname = \"X\"\ncron = \"* * * * *\"\n[[schedule.repos]]\nurl = \"u\"",
            "[[schedule]]\nname = \"x\"\ncron = \"nope\"\n[[schedule.repos]]\nurl = \"u\"",
            "[[schedule]]\nname = \"x\"\ncron = \"* * * * *\"\nrepos = []",
            "[[schedule]]\nname = \"x\"\ncron = \"* * * * *\"\nbogus = 1\nrepos = []",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}
