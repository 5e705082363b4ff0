//! The ingest stage handler: fetch the source, scan it, resolve calls, and
//! write chunks, symbols, files and skips under `jobs/<job>/ingest/`.

use crate::error::IngestError;
use crate::options::IngestOptions;
use crate::reuse::{self, PreviousReader, ReusePointer, StoredChunks};
use crate::scan::{scan, FileChunks, ParsedFile, ScanSink};
use crate::spool::{whole, Whole};
use crate::writer::{push_line, ShardWriter};
use doctown_core::artifacts::artifact_key;
use doctown_core::events::ingest::{
    ChunkCreated, FileDetected, FileSkipped, HistoryRead, IngestCompleted, IngestStarted,
    IngestTotals,
};
use doctown_core::{
    Chunk, ChunkEntry, FileRecord, Import, IngestManifest, JobStatus, Stage, StageStatus, Symbol,
};
use doctown_extract::ProjectLayout;
use doctown_history::document::History;
use doctown_pipeline::memo::Memo;
use doctown_pipeline::{now_ms, StageContext, StageFailure, StageHandler, StageOutput};
use doctown_sources::{
    fetch, parse_source, FetchOptions, Fetched, GitHubConfig, JobTokens, SourceSpec, TokenFor,
};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Ingest, hosted anywhere: everything it needs is in the job input.
pub struct IngestHandler {
    github: GitHubConfig,
    tokens: Option<Arc<dyn JobTokens>>,
}

impl IngestHandler {
    pub fn new(github: GitHubConfig) -> Self {
        IngestHandler {
            github,
            tokens: None,
        }
    }

    /// Resolves each job's own GitHub token when the job names an owner
    /// or an installation (`TokenFor::of_input`): the distributed workers'
    /// hook. Without it the configured token fetches every job (the
    /// in-process launcher puts the job's token there itself).
    pub fn with_tokens(mut self, tokens: Option<Arc<dyn JobTokens>>) -> Self {
        self.tokens = tokens;
        self
    }

    /// The GitHub configuration of this job: with its own token, when it
    /// names one and this host resolves them.
    fn github_for(&self, input: &doctown_core::JobInput) -> Result<GitHubConfig, IngestError> {
        let mut github = self.github.clone();
        if let (Some(tokens), Some(who)) = (&self.tokens, TokenFor::of_input(input)) {
            let token = tokens.token(who).map_err(IngestError::Token)?;
            github.token = Some(token);
        }
        Ok(github)
    }

    fn ingest(
        &self,
        ctx: &StageContext<'_>,
        totals: &mut IngestTotals,
    ) -> Result<StageOutput, IngestError> {
        let options: IngestOptions = ctx
            .options(Stage::Ingest)
            .map_err(|e| IngestError::Options(e.message))?;
        let spec = parse_source(&ctx.job.input.source, ctx.job.input.git_ref.as_deref())?;
        let fetch_options = FetchOptions {
            max_total_bytes: options.max_total_bytes,
            max_file_bytes: options.max_file_bytes,
            github: self.github_for(&ctx.job.input)?,
        };
        let fetched = fetch(&spec, &fetch_options)?;
        let mut sink = StoreSink::open(ctx, &options, totals)?;
        for (path, size) in &fetched.oversized {
            sink.skipped(crate::walk::skip(
                path,
                doctown_core::events::ingest::SkipReason::TooLarge,
                *size,
            ))?;
        }
        let memo = Memo::for_job(ctx.store, ctx.job, Stage::Ingest);
        let mut previous = previous_ingest(ctx, &options, &memo);
        if let Some(previous) = &previous {
            reserve_symbols(&mut sink.symbols, previous);
        }
        let github = &fetch_options.github;
        let scanned = scan_beside_history(
            ctx,
            &options,
            (&spec, &fetched, github),
            previous.as_mut(),
            sink,
        )?;
        drop(previous);
        store_artifacts(ctx, &options, &fetched, &memo, scanned)
    }
}

/// Resolves the scanned symbols and stores the ingest's artifacts: the
/// history, symbols, files, skips, the manifest, and the pointer the next
/// ingest of this source reuses this one by.
fn store_artifacts(
    ctx: &StageContext<'_>,
    options: &IngestOptions,
    fetched: &Fetched,
    memo: &Memo<'_>,
    scanned: Scanned<'_, '_>,
) -> Result<StageOutput, IngestError> {
    let Scanned {
        layout,
        history,
        chunk_shards,
        chunk_index,
        sink,
    } = scanned;
    let StoreSink {
        mut symbols,
        spool,
        imports,
        files,
        skipped,
        totals,
        ..
    } = sink;
    if let Some(observer) = ctx.chunk_observer {
        observer.on_end();
    }
    let files_jsonl = resolve(
        &fetched.root,
        options,
        &layout,
        &mut symbols,
        &imports,
        files,
        totals,
    )?;
    let history = store_history(ctx, &ingest_key(ctx, HISTORY), history, &symbols, totals)?;
    let mut manifest = manifest(ctx, chunk_shards, chunk_index, totals, history);
    manifest.programs = layout.programs().to_vec();
    manifest.about = layout.about().clone();
    write_symbols(ctx.store, &manifest.symbols, symbols, spool)?;
    ctx.store.put(&manifest.files, &files_jsonl)?;
    ctx.store.put(&manifest.skipped, &skipped)?;
    let manifest_key = ingest_key(ctx, IngestManifest::NAME);
    doctown_store::put_json(ctx.store, &manifest_key, &manifest)?;
    let job = &ctx.job.job_id;
    let pointer = ReusePointer::new(job.clone(), &manifest, &layout, options);
    store_pointer(ctx, memo, &pointer);
    Ok(StageOutput {
        status: StageStatus::Succeeded,
        artifacts: [("manifest".to_string(), manifest_key)]
            .into_iter()
            .collect(),
        summary: serde_json::to_value(&*totals).unwrap_or_default(),
        source: Some(fetched.resolved.clone()),
    })
}

/// The key of an artifact of this job's ingest: `jobs/<job>/ingest/<name>`.
fn ingest_key(ctx: &StageContext<'_>, name: &str) -> String {
    artifact_key(&ctx.job.job_id, Stage::Ingest.name(), name)
}

/// The previous ingest of this source, when reuse is asked for and its
/// chunking matches. Reuse is an optimisation: a store error here means a
/// full parse.
fn previous_ingest<'s>(
    ctx: &StageContext<'s>,
    options: &IngestOptions,
    memo: &Memo<'_>,
) -> Option<PreviousReader<'s>> {
    if options.reuse_previous {
        let chunking = reuse::chunking_fingerprint(options);
        PreviousReader::open(ctx.store, memo, &chunking).unwrap_or_else(|e| {
            tracing::warn!("previous ingest not reused: {e}");
            None
        })
    } else {
        None
    }
}

/// Room for about as many symbols as the last run found: the list
/// otherwise grows by doubling, each time copied on the one thread
/// that takes the parsed files.
/// A damaged count asks for no more than a kernel's symbols, and a
/// reservation that fails only costs the doubling.
fn reserve_symbols(symbols: &mut Vec<Symbol>, previous: &PreviousReader<'_>) {
    let expected = previous.symbol_count().min(MOST_RESERVED);
    let _ = symbols.try_reserve_exact(expected + expected / 64);
}

/// What the scan hands on: the project's layout, the history read beside
/// it (and how long it took), the keys of the chunk shards and of the
/// chunk index, and the sink with the rest.
struct Scanned<'a, 'c> {
    layout: ProjectLayout,
    history: (crate::history::Read, u64),
    chunk_shards: Vec<String>,
    chunk_index: Vec<String>,
    sink: StoreSink<'a, 'c>,
}

/// Scans the fetched files into the sink while the history is read from
/// git and the chunk shards are stored, each on a thread of its own.
fn scan_beside_history<'a, 'c>(
    ctx: &'a StageContext<'c>,
    options: &IngestOptions,
    (spec, fetched, github): (&SourceSpec, &Fetched, &GitHubConfig),
    previous: Option<&mut PreviousReader<'_>>,
    sink: StoreSink<'a, 'c>,
) -> Result<Scanned<'a, 'c>, IngestError> {
    let cancel = || ctx.cancel.is_cancelled();
    let history_cache = crate::history::HistoryCache {
        memo: Memo::for_job(ctx.store, ctx.job, Stage::Ingest),
        read: options.reuse_previous,
    };
    // The history is read from git while the files are parsed, and the
    // chunk shards are stored on a thread of their own while the
    // parsed files are taken. The sink (which holds the shard thread's
    // senders) is moved in, so a panic in the scan drops it, the shard
    // thread ends and the scope's join passes the panic on.
    let (layout, history, stored, sink) = std::thread::scope(|scope| {
        let mut sink = sink;
        let history =
            scope.spawn(|| timed_history(spec, &fetched.resolved, options, &history_cache, github));
        let (putter, put) = crate::writer::shard_putter(ctx.store);
        let storing = scope.spawn(put);
        sink.shards.put_through(putter.clone());
        sink.index.put_through(putter);
        let layout = scan(&fetched.root, options, &cancel, previous, &mut sink);
        let keys = (sink.shards.close(), sink.index.close());
        let stored = storing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (layout, history.join(), stored.map(|()| keys), sink)
    });
    // A failed put is why a shard could not be handed over.
    let (chunk_shards, chunk_index) = stored?;
    let layout = layout?;
    let (chunk_shards, chunk_index) = (chunk_shards?, chunk_index?);
    let history = history.unwrap_or_else(|_| {
        (
            crate::history::Read {
                history: Err("the history reader stopped unexpectedly".to_string()),
                cached_commits: 0,
                cache_note: None,
            },
            0,
        )
    });
    Ok(Scanned {
        layout,
        history,
        chunk_shards,
        chunk_index,
        sink,
    })
}

/// Links the calls (by name and scope, then by a SCIP index when there is
/// one) and names each file's imported files; counts the links in the
/// totals and returns `files.jsonl`.
fn resolve(
    root: &Path,
    options: &IngestOptions,
    layout: &ProjectLayout,
    symbols: &mut Vec<Symbol>,
    imports: &HashMap<String, Vec<Import>>,
    files: Vec<FileRecord>,
    totals: &mut IngestTotals,
) -> Result<Vec<u8>, IngestError> {
    // The list grew by doubling; resolution's tables come next.
    symbols.shrink_to_fit();
    // One pass links calls and names each file's imported files.
    let (_, mut targets) = doctown_extract::resolve_calls_and_imports(symbols, imports, layout);
    let linked = crate::scip::link_by_scip(root, options, symbols)?;
    let stats = doctown_extract::resolve_stats(symbols);
    totals.calls_scip = linked.linked + linked.added;
    let mut files_jsonl = Vec::new();
    for mut file in files {
        file.import_files = Some(targets.remove(&file.path).unwrap_or_default());
        push_line(&mut files_jsonl, &file);
    }
    totals.calls = stats.calls;
    totals.calls_resolved = stats.resolved;
    totals.calls_confident = stats.confident;
    totals.references_resolved = stats.references;
    Ok(files_jsonl)
}

/// The ingest manifest: where each artifact is, the counts, and the
/// history's key or why there is none.
fn manifest(
    ctx: &StageContext<'_>,
    chunk_shards: Vec<String>,
    chunk_index: Vec<String>,
    totals: &IngestTotals,
    (history, history_absent): (Option<String>, Option<String>),
) -> IngestManifest {
    IngestManifest {
        chunk_shards,
        chunk_index,
        symbols: ingest_key(ctx, "symbols.jsonl"),
        files: ingest_key(ctx, "files.jsonl"),
        skipped: ingest_key(ctx, "skipped.jsonl"),
        chunk_count: totals.chunks,
        symbol_count: totals.symbols,
        file_count: totals.files_parsed,
        history,
        history_absent,
        programs: Vec::new(),
        about: Default::default(),
    }
}

/// Stores the pointer the next ingest of this source reuses this one by.
/// The pointer outlives this job's commit: what it names is made durable
/// first, so no crash leaves it naming damaged artifacts.
fn store_pointer(ctx: &StageContext<'_>, memo: &Memo<'_>, pointer: &ReusePointer) {
    match ctx.store.flush() {
        Ok(()) => memo.put(
            reuse::POINTER,
            &serde_json::to_vec(pointer).unwrap_or_default(),
        ),
        Err(e) => tracing::warn!("the next ingest of this source will parse every file: {e}"),
    }
}

impl StageHandler for IngestHandler {
    fn stage(&self) -> Stage {
        Stage::Ingest
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        let started = now_ms();
        ctx.events.emit(&IngestStarted {
            source: ctx.job.input.source.clone(),
            git_ref: ctx.job.input.git_ref.clone(),
            commit: None,
        });
        let mut totals = IngestTotals::default();
        let result = self.ingest(ctx, &mut totals);
        let (status, error) = match &result {
            Ok(_) => (JobStatus::Succeeded, None),
            Err(IngestError::Cancelled) => (JobStatus::Cancelled, Some("cancelled".to_string())),
            Err(e) => (JobStatus::Failed, Some(e.to_string())),
        };
        let duration_ms = now_ms().saturating_sub(started);
        ctx.events.emit(&IngestCompleted {
            status,
            totals,
            duration_ms,
            error,
        });
        result.map_err(StageFailure::from)
    }
}

/// The history artifact's name under `jobs/<job>/ingest/`.
const HISTORY: &str = "history.json";

/// The history, or why there is none, and how long it took (ms).
fn timed_history(
    spec: &doctown_sources::SourceSpec,
    resolved: &doctown_core::ResolvedSource,
    options: &IngestOptions,
    cache: &crate::history::HistoryCache<'_>,
    github: &doctown_sources::GitHubConfig,
) -> (crate::history::Read, u64) {
    let started = now_ms();
    let read = crate::history::read(spec, resolved, &options.history, Some(cache), Some(github));
    (read, now_ms().saturating_sub(started))
}

/// Stores the history (its symbols given this build's ids) at `key`, and
/// says what was read or why nothing was: an event and the totals.
/// Returns the key, or the reason there is no history.
fn store_history(
    ctx: &StageContext<'_>,
    key: &str,
    (read, duration_ms): (crate::history::Read, u64),
    symbols: &[Symbol],
    totals: &mut IngestTotals,
) -> Result<(Option<String>, Option<String>), IngestError> {
    let history: Result<History, String> = read.history;
    let read = match &history {
        Ok(h) => HistoryRead {
            commits: h.summary.commits,
            authors: h.summary.authors,
            shallow: h.summary.shallow,
            truncated: h.summary.truncated,
            symbols: h.summary.symbols,
            absent: None,
            cached_commits: read.cached_commits,
            cache_note: read.cache_note,
            duration_ms,
        },
        Err(reason) => HistoryRead {
            absent: Some(reason.clone()),
            cache_note: read.cache_note,
            duration_ms,
            ..HistoryRead::default()
        },
    };
    ctx.events.emit(&read);
    totals.history = Some(read);
    match history {
        Ok(mut h) => {
            crate::history::attach_ids(&mut h, symbols);
            doctown_store::put_json(ctx.store, key, &h)?;
            Ok((Some(key.to_string()), None))
        }
        Err(reason) => Ok((None, Some(reason))),
    }
}

/// The most symbols a rebuild makes room for from the last run's count
/// (4 Mi: the Linux kernel has 4.1 million); past it the list grows.
const MOST_RESERVED: usize = 1 << 22;

/// Writes `symbols.jsonl` into the store's writer, each symbol whole
/// again (its spooled parts put back, or its stored line when an unchanged
/// file's symbol links its calls as before) and freed once written, so
/// neither the artifact nor every whole symbol is ever in memory. A group
/// of symbols is made whole and serialised on a thread of its own (its
/// blocks on every core) while this thread writes the group before it.
fn write_symbols(
    store: &dyn doctown_store::ObjectStore,
    key: &str,
    symbols: Vec<Symbol>,
    spool: crate::spool::Spool,
) -> Result<(), IngestError> {
    use std::io::Write;
    let io = |source| IngestError::Read {
        path: key.to_string(),
        source,
    };
    if spool.len() != symbols.len() {
        return Err(io(std::io::Error::other(format!(
            "{} symbols spooled for {} symbols",
            spool.len(),
            symbols.len()
        ))));
    }
    let mut spooled = spool.reader().map_err(io)?;
    let mut out = store.writer(key)?;
    let mut symbols = symbols.into_iter();
    let next_group = move || -> std::io::Result<Option<Vec<Vec<u8>>>> {
        let group = symbols
            .by_ref()
            .take(4 * 1024)
            .map(|view| whole(view, spooled.next_entry()?))
            .collect::<std::io::Result<Vec<Whole>>>()?;
        if group.is_empty() {
            return Ok(None);
        }
        let blocks = group
            .par_chunks(256)
            .map(|block| {
                let mut bytes = Vec::new();
                for item in block {
                    item.push_to(&mut bytes);
                }
                bytes
            })
            .collect();
        doctown_pipeline::process::drop_beside(group);
        Ok(Some(blocks))
    };
    std::thread::scope(|scope| -> Result<(), IngestError> {
        let groups = doctown_pipeline::process::made_ahead(scope, next_group);
        for group in groups {
            let Some(blocks) = group.map_err(io)? else {
                break;
            };
            for block in blocks {
                out.write_all(&block)
                    .map_err(|e| doctown_store::StoreError::io(key, e))?;
            }
        }
        Ok(())
    })?;
    out.commit()?;
    Ok(())
}

struct StoreSink<'a, 'c> {
    ctx: &'a StageContext<'c>,
    options: &'a IngestOptions,
    shards: ShardWriter<'a>,
    /// The chunk index, shard for shard with `shards`.
    index: ShardWriter<'a>,
    /// Each symbol's resolution view; the rest is in `spool`.
    symbols: Vec<Symbol>,
    spool: crate::spool::Spool,
    imports: HashMap<String, Vec<Import>>,
    /// Records in path order; serialised once their imports are resolved.
    files: Vec<FileRecord>,
    skipped: Vec<u8>,
    totals: &'a mut IngestTotals,
    /// `ingest.chunk_created.v1` events emitted so far.
    chunk_events: u64,
}

impl<'a, 'c> StoreSink<'a, 'c> {
    /// A sink that writes the job's chunk shards and chunk index, and
    /// spools its symbols.
    fn open(
        ctx: &'a StageContext<'c>,
        options: &'a IngestOptions,
        totals: &'a mut IngestTotals,
    ) -> Result<Self, IngestError> {
        Ok(StoreSink {
            ctx,
            options,
            shards: ShardWriter::new(ctx.store, options.shard_size, move |i| {
                ingest_key(ctx, &format!("chunks-{i:05}.jsonl"))
            }),
            index: ShardWriter::new(ctx.store, options.shard_size, move |i| {
                ingest_key(ctx, &format!("chunk-index-{i:05}.jsonl"))
            }),
            symbols: Vec::new(),
            spool: crate::spool::Spool::new().map_err(|source| IngestError::Read {
                path: "the symbol spool".to_string(),
                source,
            })?,
            imports: HashMap::new(),
            files: Vec::new(),
            skipped: Vec::new(),
            totals,
            chunk_events: 0,
        })
    }
}

impl ScanSink for StoreSink<'_, '_> {
    fn skipped(&mut self, skipped: FileSkipped) -> Result<(), IngestError> {
        self.totals.files_skipped += 1;
        *self
            .totals
            .skipped_by_reason
            .entry(skipped.reason.name().to_string())
            .or_default() += 1;
        push_line(&mut self.skipped, &skipped);
        self.ctx.events.emit(&skipped);
        Ok(())
    }

    fn parsed(&mut self, file: ParsedFile) -> Result<(), IngestError> {
        let ParsedFile {
            record,
            symbols,
            chunks,
            reused,
            stored,
        } = file;
        self.count(&record);
        self.totals.files_reused += u64::from(reused);
        self.ctx.events.emit(&FileDetected {
            path: record.path.clone(),
            language: record.language,
            size_bytes: record.size_bytes,
        });
        self.totals.chunks += chunks.len() as u64;
        match chunks {
            FileChunks::Cut { chunks, entries } => self.cut(&chunks, &entries, reused)?,
            FileChunks::Stored(stored) => self.stored(&stored)?,
        }
        self.totals.symbols += symbols.len() as u64;
        self.imports
            .insert(record.path.clone(), record.imports.clone());
        self.files.push(record);
        let spool_error = |source| IngestError::Read {
            path: "the symbol spool".to_string(),
            source,
        };
        if stored.len() == symbols.len() {
            for (symbol, stored) in symbols.into_iter().zip(stored) {
                let view = self.spool.push_stored(symbol, stored);
                self.symbols.push(view.map_err(spool_error)?);
            }
        } else {
            for symbol in symbols {
                let view = self.spool.push(symbol).map_err(spool_error)?;
                self.symbols.push(view);
            }
        }
        Ok(())
    }
}

impl StoreSink<'_, '_> {
    /// Chunks cut from a file's text: serialised, observed, and logged
    /// where the file was parsed (a rebuild logs those of its changed
    /// files, not again every unchanged file's; `ingest.completed.v1` has
    /// the total either way).
    fn cut(
        &mut self,
        chunks: &[Chunk],
        entries: &[ChunkEntry],
        reused: bool,
    ) -> Result<(), IngestError> {
        for entry in entries {
            self.index.push(entry)?;
        }
        for chunk in chunks {
            self.shards.push(chunk)?;
            if let Some(observer) = self.ctx.chunk_observer {
                observer.on_chunk(chunk);
            }
            if self.options.chunk_events
                && !reused
                && self.chunk_events < self.options.chunk_event_limit
            {
                self.chunk_events += 1;
                self.ctx.events.emit(&ChunkCreated {
                    chunk_id: chunk.id.to_string(),
                    path: chunk.path.clone(),
                    symbol: chunk.qualified_name.clone(),
                    start_line: chunk.span.start.line,
                    end_line: chunk.span.end.line,
                    bytes: chunk.text.len() as u64,
                });
            }
        }
        Ok(())
    }

    /// An unchanged file's chunks as the previous ingest stored them,
    /// copied; an observer (the embedding prefetch) still gets each one.
    fn stored(&mut self, stored: &StoredChunks) -> Result<(), IngestError> {
        for entry in &stored.entries {
            self.index.push_serialised(entry)?;
        }
        for line in &stored.chunks {
            self.shards.push_serialised(line)?;
            if let Some(observer) = self.ctx.chunk_observer {
                // The prefetch only saves time: a line it cannot read is
                // embedded by the embed stage, which reads the shards.
                if let Ok(chunk) = serde_json::from_slice::<Chunk>(line) {
                    observer.on_chunk(&chunk);
                }
            }
        }
        Ok(())
    }

    fn count(&mut self, record: &FileRecord) {
        let t = &mut *self.totals;
        t.files_detected += 1;
        t.files_parsed += 1;
        t.bytes_parsed += record.size_bytes;
        t.imports += record.imports.len() as u64;
        t.files_with_syntax_errors += u64::from(record.has_syntax_errors);
        *t.languages
            .entry(record.language.name().to_string())
            .or_default() += 1;
    }
}

#[cfg(test)]
mod token_tests {
    use super::*;
    use doctown_core::{ErrorKind, JobInput};
    use doctown_sources::TokenError;

    /// Answers for owner 7 and installation 9; fails the rest.
    #[derive(Debug)]
    struct Tokens;

    impl JobTokens for Tokens {
        fn token(&self, who: TokenFor) -> Result<String, TokenError> {
            match who {
                TokenFor::Owner(7) => Ok("owner-7".into()),
                TokenFor::Installation(9) => Ok("installation-9".into()),
                TokenFor::Owner(_) => Err(TokenError::fatal("no database")),
                TokenFor::Installation(_) => Err(TokenError::transient("GitHub is down")),
            }
        }
    }

    fn input(options: serde_json::Value) -> JobInput {
        JobInput {
            source: "https://github.com/ada/secret".into(),
            git_ref: None,
            options: serde_json::from_value(options).unwrap(),
        }
    }

    #[test]
    fn a_job_is_fetched_with_the_token_its_input_names() {
        let operator = GitHubConfig {
            token: Some("operator".into()),
            ..GitHubConfig::default()
        };
        let handler = IngestHandler::new(operator.clone()).with_tokens(Some(Arc::new(Tokens)));
        let token = |options| handler.github_for(&input(options)).map(|g| g.token);
        assert_eq!(
            token(serde_json::json!({})).unwrap().as_deref(),
            Some("operator")
        );
        assert_eq!(
            token(serde_json::json!({"accounts": {"owner": 7}}))
                .unwrap()
                .as_deref(),
            Some("owner-7")
        );
        assert_eq!(
            token(serde_json::json!({"github": {"installation_id": 9}}))
                .unwrap()
                .as_deref(),
            Some("installation-9")
        );
        let fatal = token(serde_json::json!({"accounts": {"owner": 8}})).unwrap_err();
        assert_eq!(
            (fatal.kind(), fatal.to_string()),
            (ErrorKind::Invalid, "no database".to_string())
        );
        let transient = token(serde_json::json!({"github": {"installation_id": 1}})).unwrap_err();
        assert_eq!(transient.kind(), ErrorKind::Transient);
        // Without the hook (in process) the configured token fetches every job.
        let plain = IngestHandler::new(operator);
        let configured = plain
            .github_for(&input(serde_json::json!({"accounts": {"owner": 8}})))
            .unwrap();
        assert_eq!(configured.token.as_deref(), Some("operator"));
    }
}
