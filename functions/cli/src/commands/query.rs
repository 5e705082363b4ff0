//! Questions to a docpack through the query engine: search, impact, flows,
//! changes, ask.

use crate::args::{
    AskArgs, ChangesArgs, ContextArgs, FilterArgs, FlowsArgs, ImpactArgs, SearchArgs,
};
use crate::query_host;
use anyhow::{anyhow, bail, Context, Result};
use doctown_query::Reader;
use doctown_query::{
    ask, changes, flows, impact, load_file, open_file, query_vector, render, search, EntryKind,
    Filters, Mode, Opened, Opening, Pack, QueryEmbedder, SearchRequest, Target,
};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// A docpack file opened for the questions both kinds of pack answer:
/// whole when it fits in memory, else in place with its search index
/// (read from the cache, or built there once, saying so).
pub(crate) fn open_target(path: &Path, in_place: bool) -> Result<Target> {
    let opening = Opening {
        in_place,
        sidecars: None,
    };
    let opened = open_file(path, &opening).map_err(|f| anyhow!("{}: {}", f.location, f.error))?;
    Ok(match opened {
        Opened::Whole(pack) => Target::Whole(vec![Arc::new(*pack)]),
        Opened::InPlace(pack) => {
            let sidecars = query_host::sidecars();
            if !doctown_query::sidecar::sidecar_path(&sidecars, &pack.manifest().docpack_id)
                .exists()
            {
                eprintln!(
                    "doctown: {} has {} symbols, more than a whole docpack may hold: reading it in place; its search index is built once (about half a minute a million symbols)",
                    path.display(),
                    pack.len()
                );
            }
            pack.prepare_search(Some(&sidecars));
            Target::InPlace(pack)
        }
    })
}

pub(crate) fn open_pack(path: &Path) -> Result<Arc<Pack>> {
    load_file(path)
        .map(Arc::new)
        .map_err(|f| anyhow!("{}: {}", f.location, f.error))
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Parses a lowercase name into one of the docpack vocabulary's enums.
fn parse_name<T: serde::de::DeserializeOwned>(what: &str, value: &str) -> Result<T> {
    serde_json::from_value(value.trim().to_lowercase().into())
        .map_err(|_| anyhow!("unknown {what} {value:?}"))
}

fn filters(args: &FilterArgs) -> Result<Filters> {
    Ok(Filters {
        language: args
            .language
            .as_deref()
            .map(|l| parse_name("language", l))
            .transpose()?,
        kinds: args
            .kinds
            .iter()
            .map(|k| parse_name("kind", k))
            .collect::<Result<_>>()?,
        path_prefix: args.path_prefix.clone(),
        role: args
            .role
            .as_deref()
            .map(|r| parse_name("role", r))
            .transpose()?,
        cluster: args.cluster.clone(),
    })
}

pub fn search_cmd(args: SearchArgs) -> Result<ExitCode> {
    // A resident engine holds the docpack as it opens by itself.
    #[cfg(unix)]
    if args.batch.is_none() && !args.in_place {
        if let Some(answer) = crate::resident::ask(&args) {
            print!("{}", answer?);
            return Ok(ExitCode::SUCCESS);
        }
    }
    let embedder = match search_mode(&args)? {
        Mode::Lexical => None,
        _ => query_host::embedder(),
    };
    match open_target(&args.file, args.in_place)? {
        Target::Whole(packs) => search_over(&packs, embedder.as_deref(), &args),
        Target::InPlace(pack) => search_over(&[pack], embedder.as_deref(), &args),
    }
}

fn search_over<R: Reader>(
    packs: &[Arc<R>],
    embedder: Option<&dyn QueryEmbedder>,
    args: &SearchArgs,
) -> Result<ExitCode> {
    if let Some(batch) = &args.batch {
        let base = search_request(args)?;
        return search_batch(packs, embedder, &base, batch);
    }
    print!("{}", search_text(packs, embedder, args)?);
    #[cfg(unix)]
    if !args.in_place {
        crate::resident::start(&args.file);
    }
    Ok(ExitCode::SUCCESS)
}

fn search_mode(args: &SearchArgs) -> Result<Mode> {
    Ok(if args.names_only {
        Mode::Lexical
    } else {
        args.mode.parse()?
    })
}

/// The request `args` make, without its query.
fn search_request(args: &SearchArgs) -> Result<SearchRequest> {
    Ok(SearchRequest {
        mode: search_mode(args)?,
        limit: args.limit,
        filters: filters(&args.filters)?,
        expand: args.expand,
        ..SearchRequest::default()
    })
}

/// What `doctown search` prints for `args` over `packs`: the same text
/// whether this process loaded them or a resident engine holds them.
pub fn search_text<R: Reader>(
    packs: &[Arc<R>],
    embedder: Option<&dyn QueryEmbedder>,
    args: &SearchArgs,
) -> Result<String> {
    let base = search_request(args)?;
    let query = args.query.clone().unwrap_or_default();
    let embedder = embedder.filter(|_| base.mode != Mode::Lexical);
    let (vector, note) = query_vector(packs, embedder, &query);
    if vector.is_none() && base.mode == Mode::Semantic {
        bail!(
            "cannot search by meaning: {}",
            note.unwrap_or_else(|| "the docpack has no embeddings".into())
        );
    }
    let mut result = search(
        packs,
        &SearchRequest {
            query,
            vector,
            ..base
        },
    )?;
    result.notes.extend(note);
    Ok(if args.json {
        format!("{}\n", serde_json::to_string_pretty(&result)?)
    } else {
        render::search(&result)
    })
}

/// One search per line of a JSON Lines file; one JSON line out per query.
fn search_batch<R: Reader>(
    packs: &[Arc<R>],
    embedder: Option<&dyn QueryEmbedder>,
    base: &SearchRequest,
    path: &Path,
) -> Result<ExitCode> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let item: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not JSON", path.display(), n + 1))?;
        let query = item["query"]
            .as_str()
            .ok_or_else(|| anyhow!("{}:{}: no \"query\" string", path.display(), n + 1))?;
        let vector = match base.mode {
            Mode::Lexical => None,
            _ => query_vector(packs, embedder, query).0,
        };
        let result = search(
            packs,
            &SearchRequest {
                query: query.to_string(),
                vector,
                ..base.clone()
            },
        )?;
        let hits: Vec<serde_json::Value> = result
            .hits
            .iter()
            .map(|h| {
                let simple = packs.iter().find_map(|p| {
                    let i = p.index_of(&h.symbol.id)?;
                    p.record(i).ok().map(|s| s.name.clone())
                });
                serde_json::json!({
                    "symbol_id": h.symbol.id,
                    "name": simple,
                    "qualified_name": h.symbol.name,
                    "kind": h.symbol.kind,
                    "path": h.symbol.path,
                    "line": h.symbol.line,
                    "score": h.score,
                })
            })
            .collect();
        let line = serde_json::json!({"id": item["id"], "hits": hits, "used": result.used});
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn impact_cmd(args: ImpactArgs) -> Result<ExitCode> {
    let (depth, offset, limit) = (args.depth, args.offset, args.limit.max(1));
    let result = match open_target(&args.file, args.in_place)? {
        Target::Whole(packs) => {
            let engine = doctown_query::Engine::from_packs(Vec::new());
            let (pack, target) = engine.find_symbol(&packs, &args.symbol)?;
            impact(&*pack, target, depth, offset, limit)
        }
        Target::InPlace(pack) => {
            let target = pack.find(&args.symbol)?;
            impact(&*pack, target, depth, offset, limit)
        }
    };
    if args.json {
        print_json(&result)?;
    } else {
        print!("{}", render::impact(&result));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn context_cmd(args: ContextArgs) -> Result<ExitCode> {
    if args.max_tokens < 50 {
        bail!(
            "--max-tokens {} is too small to hold a symbol: give 50 or more",
            args.max_tokens
        );
    }
    let mut pack = load_file(&args.file).map_err(|f| anyhow!("{}: {}", f.location, f.error))?;
    if let Some(dir) = &args.checkout {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("no checkout at {}", dir.display()))?;
        pack.origin.checkout = Some(dir);
    }
    let packs = vec![Arc::new(pack)];
    let search = match args
        .task
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(task) => {
            let embedder = query_host::embedder();
            let (vector, _) = query_vector(&packs, embedder.as_deref(), task);
            Some(SearchRequest {
                query: task.to_string(),
                vector,
                ..SearchRequest::default()
            })
        }
        None => None,
    };
    let request = doctown_query::ContextRequest {
        search,
        symbols: args.symbols.clone(),
        max_tokens: args.max_tokens,
    };
    let engine = doctown_query::Engine::from_packs(Vec::new());
    let result = doctown_query::context(&engine, &packs, &request)?;
    if args.json {
        print_json(&result)?;
    } else {
        print!("{}", render::context(&result));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn flows_cmd(args: FlowsArgs) -> Result<ExitCode> {
    let pack = open_pack(&args.file)?;
    let through = match &args.through {
        Some(name) => {
            let engine = doctown_query::Engine::from_packs(Vec::new());
            Some(engine.find_symbol(std::slice::from_ref(&pack), name)?.1)
        }
        None => None,
    };
    let kind: Option<EntryKind> = args
        .kind
        .as_deref()
        .map(|k| parse_name("entry kind", k))
        .transpose()?;
    let result = flows(&pack, through, kind, args.offset, args.limit.max(1));
    if args.json {
        print_json(&result)?;
    } else {
        print!("{}", render::flows(&result));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn changes_cmd(args: ChangesArgs) -> Result<ExitCode> {
    let (old, new) = (open_pack(&args.old)?, open_pack(&args.new)?);
    let result = changes(&old, &new, args.depth, 0, args.limit.max(1));
    if args.json {
        print_json(&result)?;
    } else {
        print!("{}", render::changes(&result));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn ask_cmd(args: AskArgs) -> Result<ExitCode> {
    let packs = vec![open_pack(&args.file)?];
    let model = if args.no_model {
        None
    } else {
        query_host::ask_model()?
    };
    let embedder = query_host::embedder();
    let (vector, note) = query_vector(&packs, embedder.as_deref(), &args.question);
    let request = SearchRequest {
        query: args.question.clone(),
        vector,
        ..SearchRequest::default()
    };
    let stream = !args.json && std::io::stdout().is_terminal();
    let mut streamed = false;
    let mut on_text = |piece: &str| {
        if stream {
            streamed = true;
            print!("{piece}");
            let _ = std::io::stdout().flush();
        }
    };
    let mut answer = ask::answer(&packs, &request, model.as_deref(), &mut on_text)?;
    answer.evidence.notes.extend(note);
    if args.json {
        return print_json(&answer).map(|()| ExitCode::SUCCESS);
    }
    if streamed {
        // The streamed text was the model's; the checked answer follows when
        // the check changed it (unverified citations, a withheld answer).
        println!();
        if answer.withheld || !answer.unverified.is_empty() {
            println!("\n--- checked ---\n{}", answer.answer);
        }
    } else {
        println!("{}", answer.answer.trim_end());
    }
    if let Some(note) = &answer.note {
        eprintln!("doctown ask: {note}; the answer is the evidence");
    }
    for note in &answer.evidence.notes {
        eprintln!("doctown ask: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
