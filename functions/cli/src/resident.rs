//! A docpack kept loaded between searches.
//!
//! `doctown search FILE QUERY` spends most of its time before the search:
//! reading and checking the docpack, indexing its symbols, loading the
//! model for the query's vector. So after answering, it starts a resident
//! engine for FILE (`doctown search-server`, a background process) that
//! keeps all three and listens on a Unix socket; the next search of the
//! same file asks it and prints its answer — the same text
//! ([`search_text`]) from the same code, without the load.
//!
//! * The socket is `<run dir>/<key>.sock`: the run directory is
//!   `$XDG_RUNTIME_DIR/doctown`, else `<cache>/run`, made private to the
//!   user (`0700`); the key hashes the docpack's canonical path, size,
//!   modification time and inode, the executable's, and the effective
//!   settings, so a rebuilt docpack (or doctown, or another model) is a
//!   new engine.
//! * An engine answers one JSON line per connection: the search's
//!   arguments in, `{"text": …}` or `{"error": …}` out.
//! * It ends after `search.server_idle_secs` without a question (600 by
//!   default; 0: no engine is started), when its docpack changes (it
//!   answers `{"stale": true}` and goes), or when its socket is removed.
//! * Anything amiss on the client's side — no engine, a refused or
//!   silent socket, a stale answer, a run directory others can read — is
//!   a search in this process, as without engines.

use crate::args::SearchArgs;
use crate::commands::query::{open_target, search_text};
use anyhow::{bail, Context, Result};
use doctown_query::{Reader, Target};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// Seconds an engine waits for its next question, by default.
const DEFAULT_IDLE_SECS: f64 = 600.0;
/// How long a client waits for an answer before it searches itself.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// How often an idle engine checks that its docpack and socket are still
/// the ones it serves.
const CHECK_EVERY: Duration = Duration::from_secs(2);
/// The longest request line an engine reads.
const MAX_REQUEST: u64 = 1 << 20;

#[derive(Debug, Serialize, Deserialize)]
struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    stale: bool,
}

/// The idle time engines are given; `None`: no engines.
fn idle() -> Option<Duration> {
    let secs = doctown_config::var("DOCTOWN_SEARCH_SERVER_IDLE_SECS")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(DEFAULT_IDLE_SECS);
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// The user's private directory for engine sockets, made if needed;
/// `None` when it cannot be made private.
fn run_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("doctown"),
        None => doctown_embed::config::cache_dir().join("run"),
    };
    std::fs::create_dir_all(&dir).ok()?;
    let meta = std::fs::metadata(&dir).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    let meta = std::fs::metadata(&dir).ok()?;
    let mine = meta.uid() == owner_of_new_file(&dir)?;
    (mine && meta.permissions().mode() & 0o077 == 0).then_some(dir)
}

/// The user id files made by this process get (a directory someone else
/// owns is not ours to trust).
fn owner_of_new_file(dir: &Path) -> Option<u32> {
    let probe = tempfile::NamedTempFile::new_in(dir).ok()?;
    probe.as_file().metadata().ok().map(|m| m.uid())
}

/// What an engine's answers depend on: the docpack (canonical path, size,
/// modification time, inode), this executable (path and modification
/// time) and the effective configuration (but secrets, the log filter and
/// the engines' idle time, which change no answer), so another
/// docpack, build of doctown or model setting is another engine.
fn key_of(file: &Path) -> Option<String> {
    let mut hash = Sha256::new();
    let exe = std::env::current_exe().ok()?;
    for path in [file.canonicalize().ok()?, exe] {
        let meta = std::fs::metadata(&path).ok()?;
        hash.update(path.as_os_str().as_encoded_bytes());
        for n in [meta.len(), meta.ino(), meta.dev()] {
            hash.update(n.to_le_bytes());
        }
        hash.update(meta.mtime().to_le_bytes());
        hash.update(meta.mtime_nsec().to_le_bytes());
    }
    let answers_alike = |k: &&doctown_config::Key| {
        k.kind != doctown_config::Kind::Secret
            && !matches!(k.name, "log" | "search.server_idle_secs")
    };
    for key in doctown_config::keys().filter(answers_alike) {
        if let Some(value) = doctown_config::var(&key.env_name()) {
            hash.update(key.name.as_bytes());
            hash.update([0]);
            hash.update(value.as_bytes());
            hash.update([0]);
        }
    }
    Some(hex::encode(&hash.finalize()[..8]))
}

fn socket_of(file: &Path) -> Option<PathBuf> {
    idle()?;
    Some(run_dir()?.join(format!("{}.sock", key_of(file)?)))
}

/// The answer of the resident engine of `args.file`, when one is there
/// and answers: the text to print, or the search's one-line error.
pub fn ask(args: &SearchArgs) -> Option<Result<String>> {
    let socket = socket_of(&args.file)?;
    let mut stream = UnixStream::connect(&socket).ok()?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    let mut line = serde_json::to_vec(args).ok()?;
    line.push(b'\n');
    stream.write_all(&line).ok()?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).ok()?;
    let answer: Answer = serde_json::from_str(&reply).ok()?;
    tracing::debug!(socket = %socket.display(), stale = answer.stale, "asked the resident engine");
    match answer {
        Answer { text: Some(t), .. } => Some(Ok(t)),
        Answer { error: Some(e), .. } => Some(Err(anyhow::anyhow!(e))),
        _ => None,
    }
}

/// Starts the resident engine of `file` in the background, unless engines
/// are off or one already answers there. Failing to is not an error: the
/// next search loads the docpack itself.
pub fn start(file: &Path) {
    let Some(socket) = socket_of(file) else {
        return;
    };
    if UnixStream::connect(&socket).is_ok() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    use std::os::unix::process::CommandExt;
    let started = std::process::Command::new(exe)
        .arg("search-server")
        .arg("--socket")
        .arg(&socket)
        .arg(file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        // Its own process group: a Ctrl-C meant for a later command does
        // not reach it.
        .process_group(0)
        .spawn();
    if let Err(e) = started {
        tracing::debug!(error = %e, "no resident engine");
    }
}

/// `doctown search-server --socket SOCKET FILE`: loads FILE and answers
/// searches of it on SOCKET until idle, stale or unlinked.
pub fn serve(file: &Path, socket: &Path) -> Result<ExitCode> {
    let Some(idle) = idle() else {
        bail!("resident engines are off (search.server_idle_secs is 0)");
    };
    let key = key_of(file).with_context(|| format!("{}", file.display()))?;
    match open_target(file, false)? {
        Target::Whole(packs) => serve_packs(&packs, file, socket, &key, idle),
        Target::InPlace(pack) => serve_packs(&[pack], file, socket, &key, idle),
    }
}

/// [`serve`] over the packs opened.
fn serve_packs<R: Reader>(
    packs: &[Arc<R>],
    file: &Path,
    socket: &Path,
    key: &str,
    idle: Duration,
) -> Result<ExitCode> {
    let embedder = crate::query_host::embedder();
    if let (Some(e), true) = (&embedder, packs[0].vectors().is_some()) {
        // The model loads now, not on the first question.
        let _ = e.embed("warm up");
    }
    let Some(listener) = bind(socket)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let (activity, idle_clock) = mpsc::channel::<()>();
    let watched = (file.to_path_buf(), socket.to_path_buf(), key.to_string());
    std::thread::spawn(move || watch(idle_clock, idle, watched));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let _ = activity.send(());
        let current = key_of(file).as_deref() == Some(key);
        let _ = answer(stream, current, |args| {
            search_text(packs, embedder.as_deref(), args).map_err(|e| crate::one_line(&e))
        });
        if !current {
            break;
        }
    }
    remove_if_ours(socket, &listener);
    Ok(ExitCode::SUCCESS)
}

/// Binds `socket`; `None` when a live engine already listens there. A
/// dead engine's socket is replaced; anything else at the path is left
/// alone and refused.
fn bind(socket: &Path) -> Result<Option<UnixListener>> {
    if let Ok(meta) = std::fs::symlink_metadata(socket) {
        use std::os::unix::fs::FileTypeExt;
        if !meta.file_type().is_socket() {
            bail!("{} is not a socket; remove it", socket.display());
        }
        if UnixStream::connect(socket).is_ok() {
            return Ok(None);
        }
        std::fs::remove_file(socket).with_context(|| format!("{}", socket.display()))?;
    }
    let listener = UnixListener::bind(socket).with_context(|| format!("{}", socket.display()))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    Ok(Some(listener))
}

/// Ends the process when no question came for `idle`, or when the
/// docpack or the socket is no longer the one served.
fn watch(
    activity: mpsc::Receiver<()>,
    idle: Duration,
    (file, socket, key): (PathBuf, PathBuf, String),
) {
    let mut quiet = Duration::ZERO;
    loop {
        match activity.recv_timeout(CHECK_EVERY.min(idle)) {
            Ok(()) => quiet = Duration::ZERO,
            Err(mpsc::RecvTimeoutError::Timeout) => quiet += CHECK_EVERY.min(idle),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let stale = key_of(&file).as_deref() != Some(key.as_str());
        let unlinked = !std::fs::symlink_metadata(&socket)
            .is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_socket(&m.file_type()));
        if quiet >= idle || stale || unlinked {
            if !unlinked {
                let _ = std::fs::remove_file(&socket);
            }
            std::process::exit(0);
        }
    }
}

fn remove_if_ours(socket: &Path, listener: &UnixListener) {
    let ours = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().map(Path::to_path_buf))
        .is_some_and(|p| p == socket);
    if ours {
        let _ = std::fs::remove_file(socket);
    }
}

/// Reads one request from `stream` and writes its answer (or `stale`).
fn answer(
    stream: UnixStream,
    current: bool,
    search: impl Fn(&SearchArgs) -> Result<String, String>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    let mut line = String::new();
    BufReader::new((&stream).take(MAX_REQUEST)).read_line(&mut line)?;
    let reply = if !current {
        Answer {
            text: None,
            error: None,
            stale: true,
        }
    } else {
        match serde_json::from_str::<SearchArgs>(&line) {
            Ok(args) => match search(&args) {
                Ok(text) => Answer {
                    text: Some(text),
                    error: None,
                    stale: false,
                },
                Err(e) => Answer {
                    text: None,
                    error: Some(e),
                    stale: false,
                },
            },
            Err(e) => Answer {
                text: None,
                error: Some(format!("a bad request: {e}")),
                stale: false,
            },
        }
    };
    let mut out = serde_json::to_vec(&reply)?;
    out.push(b'\n');
    (&stream).write_all(&out)
}
