//! The analyses: from the commits the git reader gathered to the history
//! document. Pure — no IO — and deterministic.

pub mod churn;
pub mod coupling;
pub mod hotspots;
pub mod ownership;
pub mod renames;
pub mod symbols;
pub mod timeline;

use crate::document::{
    AuthorStats, Coupling, FileHistory, History, Hotspots, Ownership, Summary, FORMAT, VERSION,
};
use crate::record::{CommitRecord, SymbolSpan};
use crate::time::{date, rfc3339};
use churn::FileStats;
pub use coupling::CouplingOptions;
pub use hotspots::Weights;
use std::collections::BTreeMap;

/// What the git reader gathered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawHistory {
    /// The commit the walk started from.
    pub head: Option<String>,
    pub shallow: bool,
    pub first_parent: bool,
    pub since: Option<i64>,
    pub max_commits: Option<usize>,
    pub truncated: bool,
    /// The symbol pass ran.
    pub symbols: bool,
    /// Newest first.
    pub commits: Vec<CommitRecord>,
    /// The files at `head` that the history touched, with their lines
    /// (`None` for binary files).
    pub head_files: BTreeMap<String, Option<u32>>,
    /// The symbols of those files at `head` (symbol pass only).
    pub head_symbols: BTreeMap<String, Vec<SymbolSpan>>,
}

/// How the analyses are tuned.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOptions {
    pub coupling: CouplingOptions,
    /// Modules are directories down to this depth.
    pub module_depth: u32,
    /// Hotspots kept per list.
    pub hotspot_limit: usize,
    pub weights: Weights,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            coupling: CouplingOptions::default(),
            module_depth: 2,
            hotspot_limit: 50,
            weights: Weights::default(),
        }
    }
}

/// Runs every analysis over the gathered history.
pub fn analyze(mut raw: RawHistory, options: &AnalysisOptions) -> History {
    let former = renames::follow(&mut raw.commits);
    let commits = &raw.commits;
    let file_stats = churn::files(commits);
    let author_totals = churn::authors(commits);
    let files = file_histories(&file_stats, &former, &raw.head_files);
    let now = commits.iter().map(|c| c.time).max().unwrap_or(0);
    let symbols = symbols::symbols(commits, &raw.head_symbols, now);
    let alive = |path: &str| raw.head_files.contains_key(path);
    let owners = ownership::files(&file_stats, alive);
    let modules = ownership::modules(&file_stats, &owners, options.module_depth);
    let limit = options.hotspot_limit;
    let module_commits = hotspots::module_commits(commits, &files, options.module_depth);
    let hotspots = Hotspots {
        basis: options.weights.basis().to_string(),
        limit: limit as u32,
        files: hotspots::files(&files, &options.weights, limit),
        symbols: hotspots::symbols(&symbols, &options.weights, limit),
        modules: hotspots::modules(
            &module_commits,
            &files,
            &options.weights,
            options.module_depth,
            limit,
        ),
    };
    History {
        format: FORMAT.to_string(),
        version: VERSION,
        summary: summary(&raw, author_totals.len(), files.len()),
        authors: author_stats(author_totals),
        files,
        symbols,
        coupling: coupling(commits, &options.coupling),
        ownership: Ownership {
            files: owners,
            modules,
            module_depth: options.module_depth,
        },
        modules: module_commits,
        hotspots,
        timeline: timeline::timeline(commits),
        days: timeline::days(commits),
    }
}

fn summary(raw: &RawHistory, authors: usize, files: usize) -> Summary {
    let times = raw.commits.iter().map(|c| c.time);
    Summary {
        head: raw.head.clone(),
        commits: raw.commits.len() as u32,
        merges: raw.commits.iter().filter(|c| c.parents > 1).count() as u32,
        authors: authors as u32,
        files: files as u32,
        shallow: raw.shallow,
        boundary_commits: raw.commits.iter().filter(|c| c.boundary).count() as u32,
        first_parent: raw.first_parent,
        since: raw.since.map(date),
        max_commits: raw.max_commits.map(|n| n as u32),
        truncated: raw.truncated,
        first_commit: times.clone().min().map(rfc3339),
        last_commit: times.max().map(rfc3339),
        symbols: raw.symbols,
    }
}

fn author_stats(totals: BTreeMap<String, churn::AuthorTotals>) -> Vec<AuthorStats> {
    let mut out: Vec<AuthorStats> = totals
        .into_iter()
        .map(|(key, t)| AuthorStats {
            key,
            name: t.name,
            commits: t.commits,
            added: t.added,
            removed: t.removed,
            first_commit: rfc3339(t.first),
            last_commit: rfc3339(t.last),
        })
        .collect();
    out.sort_by(|a, b| b.commits.cmp(&a.commits).then_with(|| a.key.cmp(&b.key)));
    out
}

fn file_histories(
    stats: &BTreeMap<String, FileStats>,
    former: &BTreeMap<String, Vec<String>>,
    head: &BTreeMap<String, Option<u32>>,
) -> Vec<FileHistory> {
    stats
        .iter()
        .map(|(path, s)| FileHistory {
            path: path.clone(),
            language: timeline::language_of(path),
            alive: head.contains_key(path),
            lines: head.get(path).copied().flatten(),
            commits: s.commits,
            added: s.added,
            removed: s.removed,
            authors: s.authors.len() as u32,
            binary: s.binary,
            first_change: rfc3339(s.first),
            last_change: rfc3339(s.last),
            former_paths: former.get(path).cloned().unwrap_or_default(),
        })
        .collect()
}

fn coupling(commits: &[CommitRecord], options: &CouplingOptions) -> Coupling {
    let (files, skipped_commits) = coupling::couple(
        commits
            .iter()
            .filter(|c| !c.changes.is_empty())
            .map(|c| c.changes.iter().map(|f| f.path.as_str())),
        options,
    );
    let keys: Vec<Vec<String>> = commits
        .iter()
        .map(|c| {
            c.changes
                .iter()
                .flat_map(|f| {
                    f.symbols
                        .iter()
                        .filter(|s| !s.container)
                        .map(|s| hotspots::symbol_key(&f.path, &s.name))
                })
                .collect()
        })
        .filter(|k: &Vec<String>| !k.is_empty())
        .collect();
    let (symbols, _) = coupling::couple(keys.iter().map(|k| k.iter().map(String::as_str)), options);
    Coupling {
        min_support: options.min_support,
        min_revisions: options.min_revisions,
        min_degree: options.min_degree,
        max_changeset: options.max_changeset as u32,
        skipped_commits,
        files,
        symbols,
    }
}
