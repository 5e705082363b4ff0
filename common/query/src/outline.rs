//! What the website's explorer asks of the server when the server reads a
//! docpack for it (one too large for a browser tab, or asked so): the
//! module level as `docs.json` states it, the members of a box of the
//! architecture map, most central first. A symbol's detail, search and
//! impact are the engine's own answers.
//!
//! Both answer over either kind of docpack ([`Reader`]): a whole one's
//! `docs.json` is in memory; one read in place has its `docs.json` read
//! once, skipping each module's list of symbols (a kernel's is 134 MB, the
//! lists nearly all of it), and its module of each symbol from the index.

use crate::answer::SymbolRef;
use crate::engine::{QueryError, Target};
use crate::pack::{Pack, Sym};
use crate::reader::Reader;
use doctown_docpack::{
    ArchitectureDoc, Docs, Documentation, Insight, Manifest, ModuleCode, ModuleDependency,
    ModulePackage,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The most members one page lists.
pub const MAX_MEMBERS_PAGE: usize = 200;

/// The module level of a docpack, for the explorer's architecture map.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outline {
    pub manifest: Manifest,
    /// Symbols in the docpack.
    pub symbols: usize,
    /// Whether the server reads it in place (too large to hold whole).
    pub read_in_place: bool,
    pub docs: DocsOutline,
}

/// `docs.json` without each module's list of symbols (DOCPACK_SPEC.md
/// §4.6): the same JSON otherwise, so the website reads it as a `Docs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocsOutline {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<ArchitectureDoc>,
    #[serde(default)]
    pub modules: Vec<ModuleOutline>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insights: Vec<Insight>,
}

/// A module doc without its `symbols` (which serde skips when reading).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModuleOutline {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub documentation: Documentation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ModuleCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<ModuleDependency>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<ModulePackage>,
}

impl DocsOutline {
    /// A whole docpack's docs, outlined.
    pub fn of(docs: &Docs) -> DocsOutline {
        DocsOutline {
            architecture: docs.architecture.clone(),
            modules: docs
                .modules
                .iter()
                .map(|m| ModuleOutline {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    path: m.path.clone(),
                    cluster: m.cluster.clone(),
                    documentation: m.documentation.clone(),
                    code: m.code,
                    dependencies: m.dependencies.clone(),
                    package: m.package.clone(),
                })
                .collect(),
            insights: docs.insights.clone(),
        }
    }

    /// Reads `docs.json`, skipping the modules' symbol lists.
    pub fn read(reader: impl std::io::Read) -> Result<DocsOutline, String> {
        serde_json::from_reader(std::io::BufReader::with_capacity(1 << 20, reader))
            .map_err(|e| format!("docs.json: {e}"))
    }
}

impl ModuleOutline {
    /// The module's directory, as the website names it: its path, else
    /// its name, else its id without `module:`.
    pub fn directory(&self) -> &str {
        directory(&self.id, &self.name, self.path.as_deref())
    }
}

/// A module's directory, as the website names it: its path, else its
/// name, else its id without `module:`.
fn directory<'a>(id: &'a str, name: &'a str, path: Option<&'a str>) -> &'a str {
    match path.filter(|p| !p.is_empty()) {
        Some(p) => p,
        None if !name.is_empty() => name,
        None => id.strip_prefix("module:").unwrap_or(id),
    }
}

impl Target {
    /// The one docpack a job's key names, whole: the module level as its
    /// docs state it.
    pub fn outline(&self) -> Result<Outline, QueryError> {
        Ok(match self {
            Target::Whole(packs) => {
                let p = single(packs)?;
                Outline {
                    manifest: p.docpack.manifest.clone(),
                    symbols: p.len(),
                    read_in_place: false,
                    docs: DocsOutline::of(&p.docpack.docs),
                }
            }
            Target::InPlace(p) => Outline {
                manifest: p.manifest().clone(),
                symbols: p.len(),
                read_in_place: true,
                docs: p.docs()?.clone(),
            },
        })
    }

    /// The members of the box `key` ([`box_modules`]), a page of them.
    pub fn members(&self, key: &str, offset: usize, limit: usize) -> Result<Members, QueryError> {
        let limit = limit.clamp(1, MAX_MEMBERS_PAGE);
        match self {
            Target::Whole(packs) => {
                let p = single(packs)?;
                let modules = p.docpack.docs.modules.iter();
                let ids = box_modules(
                    modules.map(|m| (&*m.id, directory(&m.id, &m.name, m.path.as_deref()))),
                    key,
                )?;
                Ok(members(&**p, key, &ids, offset, limit))
            }
            Target::InPlace(p) => {
                let modules = p.docs()?.modules.iter();
                let ids = box_modules(modules.map(|m| (&*m.id, m.directory())), key)?;
                Ok(members(&**p, key, &ids, offset, limit))
            }
        }
    }
}

/// The docpack of a question about one.
fn single(packs: &[Arc<Pack>]) -> Result<&Arc<Pack>, QueryError> {
    match packs {
        [p] => Ok(p),
        _ => Err(QueryError::WhichDocpack {
            known: crate::engine::known_keys(packs.iter().map(|p| p.key.as_str())),
        }),
    }
}

/// The modules a box of the map stands for, by id, among `modules`
/// (each `(id, directory)`): `module:<…>` the one module of that id;
/// `dir:<path>` every module whose directory is `path` or under it
/// (`dir:.` every module) — the website's `modulesOfKey`.
pub fn box_modules<'a>(
    modules: impl IntoIterator<Item = (&'a str, &'a str)>,
    key: &str,
) -> Result<Vec<&'a str>, QueryError> {
    let mut count = 0;
    let dir = key.strip_prefix("dir:").map(|d| d.trim_end_matches('/'));
    let mut ids = Vec::new();
    for (id, directory) in modules {
        count += 1;
        let inside = match dir {
            Some(dir) => within(directory, dir),
            None => key.starts_with("module:") && id == key,
        };
        if inside {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(QueryError::UnknownSymbol {
            query: key.chars().take(200).collect(),
            hint: format!(" among the {count} modules: a box is module:<id> or dir:<path>"),
        });
    }
    Ok(ids)
}

/// Whether directory `path` is `dir` or under it (`.` and `` hold all).
fn within(path: &str, dir: &str) -> bool {
    if dir.is_empty() || dir == "." {
        return true;
    }
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// One page of a box's members, most central first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Members {
    /// The box asked about.
    pub key: String,
    /// Modules in the box.
    pub modules: usize,
    /// Symbols in the box.
    pub total: usize,
    pub offset: usize,
    pub members: Vec<Member>,
    /// The offset of the next page, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Member {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    pub centrality: f64,
}

/// The members of the modules `ids` (a box's, [`box_modules`]), most
/// central first (then in the docpack's order), `limit` from `offset`.
pub fn members<R: Reader>(p: &R, key: &str, ids: &[&str], offset: usize, limit: usize) -> Members {
    let wanted: rustc_hash::FxHashSet<&str> = ids.iter().copied().collect();
    let inside: Vec<bool> = (0..p.module_count() as u32)
        .map(|m| wanted.contains(p.module_id(m)))
        .collect();
    let mut all: Vec<Sym> = (0..p.len() as Sym)
        .filter(|&i| p.module_of(i).is_some_and(|m| inside[m as usize]))
        .collect();
    let total = all.len();
    let end = offset.saturating_add(limit).min(total);
    let order = |a: &Sym, b: &Sym| p.centrality(*b).total_cmp(&p.centrality(*a)).then(a.cmp(b));
    if end < total && end > 0 {
        all.select_nth_unstable_by(end - 1, order);
        all.truncate(end);
    }
    all.sort_unstable_by(order);
    // `all` holds the first `end` now, most central first.
    let members = all[offset.min(end)..end]
        .iter()
        .map(|&i| Member {
            symbol: p.symbol_ref(i),
            centrality: p.centrality(i),
        })
        .collect();
    Members {
        key: key.to_string(),
        modules: ids.len(),
        total,
        offset,
        members,
        next_offset: (end < total).then_some(end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(id: &str, path: Option<&str>) -> ModuleOutline {
        ModuleOutline {
            id: id.into(),
            name: id.trim_start_matches("module:").into(),
            path: path.map(String::from),
            cluster: None,
            documentation: serde_json::from_value(serde_json::json!({
                "summary": "", "source": "facts"
            }))
            .unwrap(),
            code: None,
            dependencies: None,
            package: None,
        }
    }

    #[test]
    fn a_directory_box_holds_the_modules_under_it_and_no_other() {
        let outline = DocsOutline {
            modules: vec![
                module("module:kernel", Some("kernel")),
                module("module:kernel/sched", Some("kernel/sched")),
                module("module:kernelx", Some("kernelx")),
                module("module:.", Some(".")),
            ],
            ..DocsOutline::default()
        };
        let docs = || outline.modules.iter().map(|m| (&*m.id, m.directory()));
        assert_eq!(
            box_modules(docs(), "dir:kernel").unwrap(),
            ["module:kernel", "module:kernel/sched"]
        );
        assert_eq!(box_modules(docs(), "dir:.").unwrap().len(), 4);
        assert_eq!(
            box_modules(docs(), "module:kernelx").unwrap(),
            ["module:kernelx"]
        );
        for bad in ["kernel", "module:nope", "dir:nope", ""] {
            assert!(box_modules(docs(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn docs_are_read_without_the_symbol_lists() {
        let json = r#"{"modules":[{"id":"module:a","name":"a","path":"a",
            "documentation":{"summary":"A.","source":"facts"},
            "symbols":["sym:1","sym:2"],"code":{"symbols":2,"files":1,"lines":9,"role":"source"},
            "dependencies":[]}]}"#;
        let docs = DocsOutline::read(json.as_bytes()).unwrap();
        let back = serde_json::to_value(&docs).unwrap();
        assert!(back["modules"][0].get("symbols").is_none());
        assert_eq!(back["modules"][0]["code"]["symbols"], 2);
        assert!(DocsOutline::read(&b"{\"modules\": 3}"[..])
            .unwrap_err()
            .starts_with("docs.json: "));
    }
}
