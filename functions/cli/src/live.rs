//! A working tree served live (`doctown mcp DIR`): built at start —
//! structure first, then with embeddings when they are on — and built again
//! whenever its files change (after a quiet spell of [`QUIET`], paths in
//! `.git` and those its `.gitignore` excludes aside). Each build's docpack
//! replaces the served one at once: a question never waits on a build and
//! always sees one whole snapshot, and `list_docpacks` says which revision
//! answers and whether a newer one is being built or failed.

use crate::args::StoreArgs;
use crate::host::Host;
use anyhow::{Context, Result};
use doctown_query::{Engine, Origin, Pack};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the tree must stay unchanged before it is built again: one
/// save of several files, or a branch switch, is one build. An editor's
/// save (written, then renamed) and `git checkout`'s writes come
/// milliseconds apart.
pub const QUIET: Duration = Duration::from_millis(150);

/// One working tree and the host that builds it.
pub struct LiveTree {
    pub dir: PathBuf,
    pub key: String,
    host: Host,
    /// Builds one at a time; the number of the last one served.
    revision: Mutex<u64>,
}

impl LiveTree {
    /// The tree at `dir` (made absolute), served under `key`, built into
    /// the job store `store`.
    pub fn open(dir: &Path, key: String, store: &StoreArgs) -> Result<LiveTree> {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("cannot read {}", dir.display()))?;
        let host = Host::open(store)?;
        Ok(LiveTree {
            dir,
            key,
            host,
            revision: Mutex::new(0),
        })
    }

    /// Whether builds embed (the `embeddings` setting).
    pub fn embeddings(&self) -> bool {
        self.host.stages.config().embed.enabled
    }

    /// Builds the tree as it is now and serves the result in place of the
    /// last one.
    pub fn rebuild(&self, engine: &Engine, embeddings: bool) -> Result<()> {
        let mut revision = self.revision.lock().unwrap_or_else(|e| e.into_inner());
        engine.set_note(
            &self.key,
            Some(format!("revision {} is being built", *revision + 1)),
        );
        let built = self.build(*revision + 1, embeddings);
        match built {
            Ok(pack) => {
                *revision += 1;
                engine.replace(pack);
                engine.set_note(&self.key, None);
                Ok(())
            }
            Err(e) => {
                let why = format!("{e:#}").replace('\n', " ");
                engine.set_note(
                    &self.key,
                    Some(format!("the build after the last change failed ({why}); answers describe revision {}", *revision)),
                );
                Err(e)
            }
        }
    }

    fn build(&self, revision: u64, embeddings: bool) -> Result<Pack> {
        let source = self.dir.display().to_string();
        let (state, path) = crate::commands::build_quietly(&self.host, &source, None, embeddings)?;
        let docpack = doctown_docpack::read_docpack(&path)?;
        let commit = docpack.manifest.source.commit.clone();
        let location = format!(
            "working tree {}, revision {revision} ({}, built {})",
            self.dir.display(),
            commit.map_or("not a git repository".into(), |c| format!(
                "files as they are over commit {}",
                &c[..c.len().min(12)]
            )),
            state.updated_at,
        );
        let origin = Origin {
            location,
            checkout: Some(self.dir.clone()),
        };
        Ok(Pack::new(self.key.clone(), origin, docpack))
    }
}

/// Builds each working tree, serves it in `engine` (under its directory's
/// name, made unique), and watches it; the watchers live as long as the
/// server holds them.
pub fn serve_trees(
    dirs: &[PathBuf],
    store: &StoreArgs,
    engine: &Arc<Engine>,
) -> Result<Vec<notify::RecommendedWatcher>> {
    // Rebuilds come one after another: their freed pages are reused.
    doctown_alloc::keep_freed_memory_longer();
    let mut watchers = Vec::new();
    let mut keys: Vec<String> = engine.list()?.into_iter().map(|p| p.key).collect();
    for dir in dirs {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("cannot read {}", dir.display()))?;
        let name = dir
            .file_name()
            .map_or("tree".into(), |n| n.to_string_lossy().into_owned());
        let key = (1..)
            .map(|n| {
                if n == 1 {
                    name.clone()
                } else {
                    format!("{name}-{n}")
                }
            })
            .find(|k| !keys.contains(k))
            .unwrap_or(name);
        keys.push(key.clone());
        let tree = Arc::new(LiveTree::open(&dir, key, store)?);
        // Structure first: the server answers in seconds, by meaning later.
        tree.rebuild(engine, false)
            .with_context(|| format!("cannot build {}", tree.dir.display()))?;
        if tree.embeddings() {
            let (tree, engine) = (tree.clone(), engine.clone());
            std::thread::spawn(move || {
                if let Err(e) = tree.rebuild(&engine, true) {
                    eprintln!(
                        "doctown: {}: {}",
                        tree.key,
                        format!("{e:#}").replace('\n', " ")
                    );
                }
            });
        }
        watchers.push(watch(tree, engine.clone())?);
    }
    Ok(watchers)
}

/// Watches `tree` and builds it again after each change until the process
/// ends or the directory goes; the watcher must be kept alive.
pub fn watch(tree: Arc<LiveTree>, engine: Arc<Engine>) -> Result<notify::RecommendedWatcher> {
    let (tx, rx) = channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .context("cannot watch files on this system")?;
    watcher
        .watch(&tree.dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", tree.dir.display()))?;
    std::thread::Builder::new()
        .name(format!("watch {}", tree.key))
        .spawn(move || rebuild_on_change(&tree, &engine, &rx))
        .context("cannot start the watcher")?;
    Ok(watcher)
}

type Events = Receiver<notify::Result<notify::Event>>;

fn rebuild_on_change(tree: &LiveTree, engine: &Engine, events: &Events) {
    let mut ignored = ignore_rules(&tree.dir);
    while let Ok(first) = events.recv() {
        if !changes_files(&first, &tree.dir, &ignored) {
            continue;
        }
        // Wait until the tree is quiet, taking in what else changed.
        loop {
            match events.recv_timeout(QUIET) {
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if !tree.dir.is_dir() {
            let revision = *tree.revision.lock().unwrap_or_else(|e| e.into_inner());
            engine.set_note(
                &tree.key,
                Some(format!(
                    "{} is gone; answers describe revision {revision}, its last build",
                    tree.dir.display()
                )),
            );
            return;
        }
        ignored = ignore_rules(&tree.dir);
        if let Err(e) = tree.rebuild(engine, tree.embeddings()) {
            eprintln!(
                "doctown mcp: {}: {}",
                tree.key,
                format!("{e:#}").replace('\n', " ")
            );
        }
    }
}

/// The tree's own `.gitignore` and `.git/info/exclude`.
fn ignore_rules(dir: &Path) -> Gitignore {
    let mut rules = GitignoreBuilder::new(dir);
    rules.add(dir.join(".gitignore"));
    rules.add(dir.join(".git/info/exclude"));
    rules.build().unwrap_or_else(|_| Gitignore::empty())
}

/// Whether an event changes a file a build reads: not a read, not in
/// `.git`, not ignored. An error (the directory went) counts, so the loop
/// looks.
fn changes_files(event: &notify::Result<notify::Event>, dir: &Path, ignored: &Gitignore) -> bool {
    let Ok(event) = event else { return true };
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|path| {
        let Ok(rel) = path.strip_prefix(dir) else {
            return false;
        };
        let in_git = rel
            .components()
            .next()
            .is_some_and(|c| c.as_os_str() == ".git");
        !in_git
            && !ignored
                .matched_path_or_any_parents(rel, path.is_dir())
                .is_ignore()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, ModifyKind};

    fn event(kind: EventKind, path: &Path) -> notify::Result<notify::Event> {
        Ok(notify::Event::new(kind).add_path(path.to_path_buf()))
    }

    #[test]
    fn only_changes_to_files_a_build_reads_count() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "target/\n*.log\n").unwrap();
        let rules = ignore_rules(root);
        let modify = EventKind::Modify(ModifyKind::Any);
        assert!(changes_files(
            &event(modify, &root.join("src/lib.rs")),
            root,
            &rules
        ));
        assert!(changes_files(
            &event(EventKind::Create(CreateKind::File), &root.join("new.py")),
            root,
            &rules
        ));
        assert!(!changes_files(
            &event(modify, &root.join("target/debug/x.o")),
            root,
            &rules
        ));
        assert!(!changes_files(
            &event(modify, &root.join("run.log")),
            root,
            &rules
        ));
        assert!(!changes_files(
            &event(modify, &root.join(".git/index")),
            root,
            &rules
        ));
        assert!(!changes_files(
            &event(EventKind::Access(AccessKind::Any), &root.join("src/lib.rs")),
            root,
            &rules
        ));
        assert!(!changes_files(
            &event(modify, Path::new("/elsewhere/x.rs")),
            root,
            &rules
        ));
        assert!(changes_files(
            &Err(notify::Error::generic("gone")),
            root,
            &rules
        ));
    }
}
