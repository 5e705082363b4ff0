//! The repository's git history (`doctown-history`), read beside the scan:
//! the docpack's `history.json`. A source that has no history (an archive,
//! a GitHub tarball, a directory that is not a repository's root) gets
//! none, with the reason, and so does a build that turns it off.
//!
//! Deterministic: the walk starts from the commit the source resolved to
//! (not whatever HEAD is when the history is read), and authors are mapped
//! by that commit's `.mailmap` alone, so the same commit gives the same
//! document.

// The history settings are ingest options (the CLI names the
// configuration by this path too).
pub use crate::options::HistoryConfig;
use crate::options::HistoryMode;
use doctown_core::language_sniff::sniff;
use doctown_core::{Language, ResolvedSource, Symbol};
use doctown_extract::{Extractor, Tree};
use doctown_history::document::History;
use doctown_history::{
    AnalysisOptions, CacheKey, CachedRead, CommitCache, HistoryError, HistoryOptions, Named,
    SymbolSource, SymbolSpan,
};
use doctown_pipeline::memo::{Memo, Miss, Slot};
use doctown_sources::{GitHubConfig, SourceSpec};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

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
        max_commits: config.max_commits.filter(|&n| n > 0),
        first_parent: config.first_parent,
        start: Some(commit),
        ..HistoryOptions::default()
    };
    Ok((repo, options))
}

/// A source's history cache: an entry of ingest's in the one memo
/// ([`doctown_pipeline::memo`], `cache/ingest/<source>.history-<mode>`,
/// so that builds of one repository in two modes keep a cache each), and
/// whether to read it (`reuse_previous`).
pub struct HistoryCache<'a> {
    pub memo: Memo<'a>,
    pub read: bool,
}

impl HistoryCache<'_> {
    /// The entry of a history read in `config`'s mode. What else the
    /// cache depends on (first parent, the blob limit, the symbol
    /// parser) is its own key ([`CacheKey`]), which says what differs.
    fn slot(config: &HistoryConfig) -> Slot<'static> {
        match config.mode {
            HistoryMode::Symbols => Slot::new("history-symbols", 1),
            _ => Slot::new("history-files", 1),
        }
    }
}

/// A history read: the document or why there is none, and what the
/// cache gave.
#[derive(Debug)]
pub struct Read {
    pub history: Result<History, String>,
    /// Commits whose analysis came from the cache.
    pub cached_commits: u32,
    /// Why a cache that was there was not used (unreadable, another
    /// version's): a warning, never a failure.
    pub cache_note: Option<String>,
}

/// Reads and analyses the history `plan` chose; a failure (a corrupted
/// object, say) becomes the reason there is none: the build goes on.
/// With a cache, only the commits that the last build of this source did
/// not analyse are diffed (and parsed, per symbol), and the cache is
/// written again for the next build; the document is the same bytes as
/// without it.
pub fn read(
    spec: &SourceSpec,
    resolved: &ResolvedSource,
    config: &HistoryConfig,
    cache: Option<&HistoryCache<'_>>,
    github: Option<&GitHubConfig>,
) -> Read {
    let mut out = Read {
        history: Err(String::new()),
        cached_commits: 0,
        cache_note: None,
    };
    let clone = match github_clone(spec, config, github) {
        Ok(clone) => clone,
        Err(reason) => {
            out.history = Err(reason);
            return out;
        }
    };
    let cloned;
    let spec = match &clone {
        Some(dir) => {
            cloned = SourceSpec::Git {
                repo: dir.path().to_path_buf(),
                git_ref: resolved.commit.clone().unwrap_or_else(|| "HEAD".into()),
            };
            &cloned
        }
        None => spec,
    };
    let (repo, options) = match plan(spec, resolved, config) {
        Ok(planned) => planned,
        Err(reason) => {
            out.history = Err(reason);
            return out;
        }
    };
    let source: Option<&dyn SymbolSource> = match config.mode {
        HistoryMode::Symbols => Some(&ExtractSymbols),
        _ => None,
    };
    let slot = HistoryCache::slot(config);
    let previous = cached_commits(cache, slot, &options, source, &mut out.cache_note);
    let read = doctown_history::read_history_cached(&repo, &options, source, previous);
    out.history = analysed(read, cache.map(|c| (c, slot)), &mut out.cached_commits);
    out
}

/// A GitHub source asked to have its history: a bare clone, read in
/// place of the tarball, then removed. `None` for any other source.
fn github_clone(
    spec: &SourceSpec,
    config: &HistoryConfig,
    github: Option<&GitHubConfig>,
) -> Result<Option<tempfile::TempDir>, String> {
    match (spec, github) {
        (SourceSpec::GitHub { .. }, Some(github))
            if config.github && config.mode != HistoryMode::Off =>
        {
            clone_github(spec, github).map(Some)
        }
        _ => Ok(None),
    }
}

/// The commits the last build of this source analysed, from the cache when
/// it is to be read; why a cache that was there was not used goes in
/// `note`.
fn cached_commits(
    cache: Option<&HistoryCache<'_>>,
    slot: Slot<'_>,
    options: &HistoryOptions,
    source: Option<&dyn SymbolSource>,
    note: &mut Option<String>,
) -> Option<CommitCache> {
    match cache.filter(|c| c.read) {
        Some(cache) => match load_cache(cache, slot, options, source) {
            Ok(previous) => previous,
            Err(note_text) => {
                tracing::warn!("{note_text}");
                *note = Some(note_text);
                None
            }
        },
        None => None,
    }
}

/// The history analysed from what was read, the cache written again for
/// the next build; or why there is none. Counts the commits the cache gave.
fn analysed(
    read: Result<CachedRead, HistoryError>,
    cache: Option<(&HistoryCache<'_>, Slot<'_>)>,
    cached_commits: &mut u32,
) -> Result<History, String> {
    match read {
        Ok(read) => {
            *cached_commits = read.reuse.cached_commits as u32;
            if let Some((cache, slot)) = cache {
                cache.memo.put(slot, &read.cache);
            }
            Ok(doctown_history::analyze(
                read.raw,
                &AnalysisOptions::default(),
            ))
        }
        Err(HistoryError::NotARepository { path }) => Err(format!(
            "{} is not the root of a git repository",
            path.display()
        )),
        Err(other) => Err(format!("the git history could not be read: {other}")),
    }
}

/// The URL git clones a GitHub repository from: github.com for the
/// public API, the server for GitHub Enterprise (`…/api/v3`), and the API
/// base itself otherwise (a proxy, a test server).
pub fn clone_url(api_base: &str, owner: &str, repo: &str) -> String {
    let base = api_base.trim_end_matches('/');
    let host = match base {
        "https://api.github.com" => "https://github.com",
        _ => base.strip_suffix("/api/v3").unwrap_or(base),
    };
    format!("{host}/{owner}/{repo}.git")
}

/// A bare clone of a GitHub source, with git over HTTP(S): the token goes
/// in an `Authorization` header set through git's environment (never the
/// command line or the URL), prompts are off, and no user or system git
/// setting plays a part. The clone is removed when dropped.
fn clone_github(spec: &SourceSpec, github: &GitHubConfig) -> Result<tempfile::TempDir, String> {
    let SourceSpec::GitHub {
        owner,
        repo,
        subpath,
        ..
    } = spec
    else {
        return Err("not a GitHub source".into());
    };
    if subpath.is_some() {
        return Err(
            "the history of a GitHub subdirectory is not read (its paths are the repository's)"
                .into(),
        );
    }
    let url = clone_url(&github.api_base, owner, repo);
    let dir = tempfile::Builder::new()
        .prefix("doctown-history-")
        .tempdir()
        .map_err(|e| format!("no temporary directory for the clone: {e}"))?;
    let mut git = std::process::Command::new("git");
    git.args(["clone", "--bare", "--quiet", "--no-tags", &url])
        .arg(dir.path())
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_ASKPASS", "true")
        .stdin(std::process::Stdio::null());
    if let Some(token) = &github.token {
        use base64::Engine as _;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        git.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "http.extraHeader")
            .env(
                "GIT_CONFIG_VALUE_0",
                format!("Authorization: Basic {basic}"),
            );
    }
    let output = git
        .output()
        .map_err(|e| format!("git could not be run to clone {url} for its history: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut reason = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("git failed")
            .trim()
            .to_string();
        if let Some(token) = github.token.as_deref().filter(|t| !t.is_empty()) {
            reason = reason.replace(token, "<token>");
        }
        return Err(format!(
            "{url} could not be cloned for its history: {reason}"
        ));
    }
    Ok(dir)
}

/// The cache in the store, if there is one that this read can use.
fn load_cache(
    cache: &HistoryCache<'_>,
    slot: Slot<'_>,
    options: &HistoryOptions,
    source: Option<&dyn SymbolSource>,
) -> Result<Option<CommitCache>, String> {
    let ignored =
        |why: String| format!("history cache {} ignored: {why}", cache.memo.key(slot.name));
    let bytes = match cache.memo.lookup(slot) {
        Ok(bytes) => bytes,
        Err(Miss::Absent | Miss::Other) => return Ok(None),
        Err(Miss::Damaged(why)) => return Err(ignored(why)),
    };
    CommitCache::decode(&bytes, &CacheKey::new(options, source))
        .map(Some)
        .map_err(|e| ignored(e.to_string()))
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
/// ([`doctown_history::local_names`]), for the per-symbol pass. The
/// extractor is an outline (`Extractor::outline`: definitions only, the
/// same symbols without calls, imports or words). Each thread keeps the
/// last versions it parsed (text and syntax tree, by path): the next
/// version of the same file is parsed incrementally from it
/// (`Extractor::extract_after`), since consecutive versions differ in a
/// few lines.
pub struct ExtractSymbols;

/// Paths whose last version a thread keeps.
const KEPT_VERSIONS: usize = 64;

/// The last version parsed of each path (its language, text, tree, when
/// used); a version read as another language (a `.h` that became C++) is
/// parsed afresh.
#[derive(Default)]
struct LastVersions {
    by_path: HashMap<String, (Language, String, Tree, u64)>,
    clock: u64,
}

impl LastVersions {
    fn get(&mut self, path: &str, language: Language) -> Option<(&str, &Tree)> {
        self.clock += 1;
        let clock = self.clock;
        let (parsed_as, text, tree, used) = self.by_path.get_mut(path)?;
        if *parsed_as != language {
            return None;
        }
        *used = clock;
        Some((text.as_str(), &*tree))
    }

    fn put(&mut self, path: &str, language: Language, text: String, tree: Tree) {
        if self.by_path.len() >= KEPT_VERSIONS && !self.by_path.contains_key(path) {
            let oldest = self
                .by_path
                .iter()
                .min_by_key(|(_, (_, _, _, used))| *used)
                .map(|(p, _)| p.clone());
            if let Some(oldest) = oldest {
                self.by_path.remove(&oldest);
            }
        }
        self.clock += 1;
        self.by_path
            .insert(path.to_string(), (language, text, tree, self.clock));
    }
}

thread_local! {
    static EXTRACTOR: RefCell<Extractor> = RefCell::new(Extractor::new().outline());
    static LAST: RefCell<LastVersions> = RefCell::new(LastVersions::default());
}

/// Extracts `text`, from the last version of `path` this thread parsed.
fn extract_incrementally(path: &str, language: doctown_core::Language, text: &str) -> Vec<Symbol> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        let previous = last.get(path, language);
        let (extraction, tree) =
            EXTRACTOR.with(|e| e.borrow_mut().extract_after(path, language, text, previous));
        if let Some(tree) = tree {
            last.put(path, language, text.to_string(), tree);
        }
        extraction.symbols
    })
}

fn language_of(path: &str) -> Option<doctown_core::Language> {
    let name = path.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    doctown_core::Language::from_extension(ext)
}

/// What [`ExtractSymbols`] does with the extractor's symbols (naming,
/// kinds, lines); bump it when that changes. (The extractor's own code is
/// the build's: the memo that keeps the cache is read by the same build
/// only.)
const EXTRACT_SYMBOLS_VERSION: u32 = 1;

impl SymbolSource for ExtractSymbols {
    fn supports(&self, path: &str) -> bool {
        language_of(path).is_some()
    }

    fn fingerprint(&self) -> String {
        format!("doctown-extract v{EXTRACT_SYMBOLS_VERSION}")
    }

    fn symbols(&self, path: &str, content: &[u8]) -> Vec<SymbolSpan> {
        let text = String::from_utf8_lossy(content);
        let Some(language) = language_of(path).and_then(|l| sniff(l, path, &text)) else {
            return Vec::new();
        };
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
    use crate::options::DEFAULT_MAX_COMMITS;

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
        let default = plan(&spec, &resolved(Some("abc")), &HistoryConfig::default()).unwrap();
        assert_eq!(default.1.max_commits, Some(DEFAULT_MAX_COMMITS));
        let all = HistoryConfig {
            max_commits: Some(0),
            ..HistoryConfig::default()
        };
        assert_eq!(
            plan(&spec, &resolved(Some("abc")), &all)
                .unwrap()
                .1
                .max_commits,
            None
        );
    }
}
