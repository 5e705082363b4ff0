//! `doctown symbols`: every symbol of a repository as the ingest finds it
//! — the same files, names, qualified names, kinds, lines and signatures —
//! without what the listing does not print. No chunks, checksums, words,
//! calls, imports or call resolution: each file is read and parsed in an
//! outline that keeps signatures ([`Extractor::listing`]), in parallel.

use crate::error::IngestError;
use crate::options::IngestOptions;
use crate::scan::{compile_ahead, read_candidate, read_layout, text_of, walk_within_limits};
use crate::walk::Candidate;
use doctown_core::Symbol;
use doctown_extract::Extractor;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

/// Every symbol of the files under `root`, in path order, as
/// [`crate::symbols_of`] has them but for calls (none are gathered),
/// imports and words. Files the ingest skips (unreadable, too large,
/// binary, minified) are skipped here too.
pub fn list_symbols(root: &Path, options: &IngestOptions) -> Result<Vec<Symbol>, IngestError> {
    let mut all = Vec::new();
    stream_symbols(
        root,
        options,
        |symbols| symbols,
        |symbols| {
            all.extend(symbols);
            Ok::<(), IngestError>(())
        },
    )?;
    Ok(all)
}

/// [`list_symbols`] as a stream: each file's symbols are turned into a `T`
/// by `render` on the parsing threads, and handed to `emit` on the calling
/// thread in path order while later files are still being parsed — so
/// `doctown symbols` prints as it parses and never holds every symbol.
/// Files are handed out to the threads in path order, so what waits for
/// an earlier, slower file is at most a few files per thread. An error
/// from `emit` (a closed pipe) stops the parsing and is returned.
pub fn stream_symbols<T, E>(
    root: &Path,
    options: &IngestOptions,
    render: impl Fn(Vec<Symbol>) -> T + Sync,
    mut emit: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    E: From<IngestError>,
{
    let walked = walk_within_limits(root, options)?;
    let layout = Arc::new(read_layout(&walked));
    let candidates = &walked.candidates;
    let threads = rayon::current_num_threads().clamp(1, candidates.len().max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::sync_channel::<(usize, T)>(threads * 16);
    std::thread::scope(|scope| {
        let ahead = Extractor::with_layout(layout.clone()).listing();
        let stop_ahead = &stop;
        scope.spawn(move || compile_ahead(&ahead, candidates, stop_ahead));
        for _ in 0..threads {
            let sender = sender.clone();
            let (layout, next, stop, render) = (&layout, &next, &stop, &render);
            scope.spawn(move || {
                let mut extractor = Extractor::with_layout(layout.clone()).listing();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(candidate) = candidates.get(i) else {
                        return;
                    };
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let rendered = render(file_symbols(&mut extractor, candidate, options));
                    if sender.send((i, rendered)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sender);
        let emitted = emit_in_order(receiver, &mut emit);
        if emitted.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        emitted
    })
}

/// Hands what arrives, numbered, to `emit` in number order; stops at the
/// first error (dropping the receiver, which ends the senders' loops).
fn emit_in_order<T, E>(
    receiver: mpsc::Receiver<(usize, T)>,
    emit: &mut impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let mut waiting = BTreeMap::new();
    let mut due = 0usize;
    for (i, item) in receiver {
        waiting.insert(i, item);
        while let Some(item) = waiting.remove(&due) {
            emit(item)?;
            due += 1;
        }
    }
    Ok(())
}

/// One file's symbols in a listing; none for a file that cannot be read
/// or is not text.
fn file_symbols(
    extractor: &mut Extractor,
    candidate: &Candidate,
    options: &IngestOptions,
) -> Vec<Symbol> {
    let text = read_candidate(candidate, options).and_then(|bytes| text_of(candidate, bytes));
    match text {
        Ok((source, _, language)) => {
            extractor
                .extract(&candidate.path, language, &source)
                .symbols
        }
        Err(_) => Vec::new(),
    }
}
