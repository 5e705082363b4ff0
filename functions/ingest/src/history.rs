//! The repository's git history (`doctown-history`), read beside the scan:
//! the docpack's `history.json`. A source that has no history (an archive,
//! a GitHub tarball, a directory that is not a repository's root) gets
//! none, with the reason, and so does a build that turns it off.
//!
//! Deterministic: the walk starts from the commit the source resolved to
//! (not whatever HEAD is when the history is read), and authors are mapped
//! by that commit's `.mailmap` alone, so the same commit gives the same
//! document.

use doctown_core::{ResolvedSource, Symbol};
use doctown_extract::{Extractor, Tree};
use doctown_history::document::History;
use doctown_history::{
    AnalysisOptions, HistoryError, HistoryOptions, Named, SymbolSource, SymbolSpan,
};
use doctown_sources::SourceSpec;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

/// How much history a build reads (`input.options["ingest"]["history"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// `off`, `files` (the default: per file, author and module) or
    /// `symbols` (also per symbol: parses every changed version of each
    /// source file, minutes on a long history).
    pub mode: HistoryMode,
    /// Read at most this many commits, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_commits: Option<usize>,
    /// Leave out commits before this date (`YYYY-MM-DD` or RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Follow first parents only (each merge diffed against its first
    /// parent); otherwise every commit, merges without a diff.
    pub first_parent: bool,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            mode: HistoryMode::Files,
            max_commits: None,
            since: None,
            first_parent: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryMode {
    Off,
    Files,
    Symbols,
}

/// Where to read a history from and how, or why there is none. Pure.
pub fn plan(
    spec: &SourceSpec,
    resolved: &ResolvedSource,
    config: &HistoryConfig,
) -> Result<(PathBuf, HistoryOptions), String> {
    let repo = match spec {
        _ if config.mode == HistoryMode::Off => {
            return Err("history was turned off for this build".into())
        }
        SourceSpec::Directory(dir) => dir.clone(),
        SourceSpec::Git { repo, .. } => repo.clone(),
        SourceSpec::Archive(_) => {
            return Err("the source is an archive: it has no git history".into())
        }
        SourceSpec::GitHub { .. } => {
            return Err(
                "GitHub sources are downloaded as a tarball, which has no git history".into(),
            )
        }
    };
    let Some(commit) = resolved.commit.clone() else {
        return Err(format!(
            "{} is not the root of a git repository with commits",
            repo.display()
        ));
    };
    let since = match &config.since {
        Some(text) => Some(doctown_history::time::parse_since(text).ok_or_else(|| {
            format!("the history's since date `{text}` is not YYYY-MM-DD or RFC 3339")
        })?),
        None => None,
    };
    let options = HistoryOptions {
        since,
        max_commits: config.max_commits,
        first_parent: config.first_parent,
        start: Some(commit),
        ..HistoryOptions::default()
    };
    Ok((repo, options))
}

/// Reads and analyses the history `plan` chose; a failure (a corrupted
/// object, say) becomes the reason there is none: the build goes on.
pub fn read(
    spec: &SourceSpec,
    resolved: &ResolvedSource,
    config: &HistoryConfig,
) -> Result<History, String> {
    let (repo, options) = plan(spec, resolved, config)?;
    let source: Option<&dyn SymbolSource> = match config.mode {
        HistoryMode::Symbols => Some(&ExtractSymbols),
        _ => None,
    };
    doctown_history::history(&repo, &options, source, &AnalysisOptions::default()).map_err(|e| {
        match e {
            HistoryError::NotARepository { path } => {
                format!("{} is not the root of a git repository", path.display())
            }
            other => format!("the git history could not be read: {other}"),
        }
    })
}

/// Gives the history's symbols the ids of this build's symbols (same
/// file, same name within it); returns how many were found.
pub fn attach_ids(history: &mut History, symbols: &[Symbol]) -> usize {
    let mut ids: HashMap<(String, String), String> = HashMap::new();
    for file in symbols.chunk_by(|a, b| a.path == b.path) {
        let named: Vec<Named<'_>> = file.iter().map(named).collect();
        for (symbol, name) in file.iter().zip(doctown_history::local_names(&named)) {
            ids.insert((symbol.path.clone(), name), symbol.id.to_string());
        }
    }
    doctown_history::attach_ids(history, &ids)
}

fn named(s: &Symbol) -> Named<'_> {
    Named {
        name: &s.name,
        qualified_name: &s.qualified_name,
        top_level: s.parent.is_none(),
    }
}

/// Symbols from `doctown-extract`, named within their file
/// ([`doctown_history::local_names`]), for the per-symbol pass. Each
/// thread keeps the last versions it parsed (text and syntax tree, by
/// path): the next version of the same file is parsed incrementally from
/// it (`Extractor::extract_after`), since consecutive versions differ in a
/// few lines.
pub struct ExtractSymbols;

/// Paths whose last version a thread keeps.
const KEPT_VERSIONS: usize = 64;

/// The last version parsed of each path (text, tree, when used).
#[derive(Default)]
struct LastVersions {
    by_path: HashMap<String, (String, Tree, u64)>,
    clock: u64,
}

impl LastVersions {
    fn get(&mut self, path: &str) -> Option<(&str, &Tree)> {
        self.clock += 1;
        let clock = self.clock;
        let (text, tree, used) = self.by_path.get_mut(path)?;
        *used = clock;
        Some((text.as_str(), &*tree))
    }

    fn put(&mut self, path: &str, text: String, tree: Tree) {
        if self.by_path.len() >= KEPT_VERSIONS && !self.by_path.contains_key(path) {
            let oldest = self
                .by_path
                .iter()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(p, _)| p.clone());
            if let Some(oldest) = oldest {
                self.by_path.remove(&oldest);
            }
        }
        self.clock += 1;
        self.by_path
            .insert(path.to_string(), (text, tree, self.clock));
    }
}

thread_local! {
    static EXTRACTOR: RefCell<Extractor> = RefCell::new(Extractor::new().without_words());
    static LAST: RefCell<LastVersions> = RefCell::new(LastVersions::default());
}

/// Extracts `text`, from the last version of `path` this thread parsed.
fn extract_incrementally(path: &str, language: doctown_core::Language, text: &str) -> Vec<Symbol> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        let previous = last.get(path);
        let (extraction, tree) =
            EXTRACTOR.with(|e| e.borrow_mut().extract_after(path, language, text, previous));
        if let Some(tree) = tree {
            last.put(path, text.to_string(), tree);
        }
        extraction.symbols
    })
}

fn language_of(path: &str) -> Option<doctown_core::Language> {
    let name = path.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    doctown_core::Language::from_extension(ext)
}

impl SymbolSource for ExtractSymbols {
    fn supports(&self, path: &str) -> bool {
        language_of(path).is_some()
    }

    fn symbols(&self, path: &str, content: &[u8]) -> Vec<SymbolSpan> {
        let Some(language) = language_of(path) else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(content);
        let symbols = extract_incrementally(path, language, &text);
        let named: Vec<Named<'_>> = symbols.iter().map(named).collect();
        symbols
            .iter()
            .zip(doctown_history::local_names(&named))
            .map(|(s, name)| SymbolSpan {
                name,
                kind: s.kind.name().to_string(),
                start_line: s.span.start.line,
                end_line: s.span.end.line.max(s.span.start.line),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(commit: Option<&str>) -> ResolvedSource {
        ResolvedSource {
            kind: "directory".into(),
            name: "r".into(),
            commit: commit.map(str::to_string),
            ..ResolvedSource::default()
        }
    }

    #[test]
    fn sources_without_history_say_why() {
        let config = HistoryConfig::default();
        let archive = SourceSpec::Archive("r.tar.gz".into());
        let github = SourceSpec::GitHub {
            owner: "o".into(),
            repo: "r".into(),
            git_ref: None,
            subpath: None,
        };
        let dir = SourceSpec::Directory("/tmp/r".into());
        let why = |spec: &SourceSpec, r: &ResolvedSource, c: &HistoryConfig| {
            plan(spec, r, c).unwrap_err()
        };
        assert!(why(&archive, &resolved(None), &config).contains("archive"));
        assert!(why(&github, &resolved(None), &config).contains("tarball"));
        assert!(why(&dir, &resolved(None), &config).contains("not the root of a git repository"));
        let off = HistoryConfig {
            mode: HistoryMode::Off,
            ..HistoryConfig::default()
        };
        assert!(why(&dir, &resolved(Some("abc")), &off).contains("turned off"));
        let bad = HistoryConfig {
            since: Some("last week".into()),
            ..HistoryConfig::default()
        };
        assert!(why(&dir, &resolved(Some("abc")), &bad).contains("since date"));
    }

    #[test]
    fn a_repository_is_read_from_the_commit_it_resolved_to() {
        let config = HistoryConfig {
            max_commits: Some(10),
            since: Some("2024-01-01".into()),
            first_parent: true,
            ..HistoryConfig::default()
        };
        let spec = SourceSpec::Git {
            repo: "/tmp/r".into(),
            git_ref: "v1".into(),
        };
        let (repo, options) = plan(&spec, &resolved(Some("abc123")), &config).unwrap();
        assert_eq!(repo, PathBuf::from("/tmp/r"));
        assert_eq!(options.start.as_deref(), Some("abc123"));
        assert_eq!(options.max_commits, Some(10));
        assert!(options.first_parent);
        assert_eq!(options.since, Some(1_704_067_200));
    }
}
