//! The search index of a docpack read in place, built once and kept in a
//! sidecar file beside the other caches, named by the docpack's id.
//!
//! Building reads every record twice through the random-access reader
//! (records lie in id order, so a run of rows is one read of consecutive
//! blocks): first the fields' lengths and the languages whose tests are
//! marked as tests, then the postings ([`Bm25Builder`]) — the same index a
//! whole docpack builds in memory ([`Bm25::build`]), so the same ranking.
//!
//! The file: a magic line, the docpack id (u32 length, UTF-8), the marked
//! languages (u32 count, each a u32 length and its name), the index
//! ([`Bm25::write_to`]), then the BLAKE3 hash of everything before it. A
//! sidecar whose hash, id or structure does not check is rebuilt; one that
//! cannot be written leaves the index in memory only.

use crate::lexical::{Bm25, Bm25Builder, Counted, FieldLengths};
use crate::pack::{doc_fields, marked_test};
use doctown_core::{FileRole, Language};
use doctown_docpack::access::id_number;
use doctown_docpack::{entry, Access, SymbolNode};
use rayon::prelude::*;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"doctown search index 1\n";
/// Records parsed at once.
const CHUNK: usize = 8192;

/// What search over a docpack read in place holds.
pub struct Searchable {
    pub index: Bm25,
    /// The languages whose test code marks its tests (`Pack::is_test_case`).
    pub marked_languages: Vec<Language>,
}

/// The sidecar of docpack `id` in `dir`.
pub fn sidecar_path(dir: &Path, id: &str) -> PathBuf {
    let safe: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    dir.join(format!("{safe}.search"))
}

/// The search index of `access`: read from its sidecar in `dir` when one
/// checks, else built (and the sidecar written).
pub fn load_or_build(access: &Access, dir: Option<&Path>) -> Result<Searchable, String> {
    let id = access.manifest.docpack_id.as_str();
    let path = dir.map(|d| sidecar_path(d, id));
    if let Some(s) = path.as_deref().and_then(|p| read(p, id).ok()) {
        if s.index.len() == access.index.rows.len() {
            return Ok(s);
        }
    }
    let s = build(access)?;
    if let Some(p) = &path {
        // Unwritable: the index answers from memory this time.
        let _ = write(p, id, &s);
    }
    Ok(s)
}

/// Builds the index over every record of `access`.
pub fn build(access: &Access) -> Result<Searchable, String> {
    let n = access.index.rows.len();
    let mut lengths = FieldLengths::new(n);
    let mut marked: Vec<Language> = Vec::new();
    for_each_chunk(access, |chunk| {
        for (counted, language) in chunk {
            lengths.add(&counted);
            if let Some(l) = language.filter(|l| !marked.contains(l)) {
                marked.push(l);
            }
        }
    })?;
    let mut builder = Bm25Builder::new(&lengths);
    for_each_chunk(access, |chunk| {
        for (counted, _) in chunk {
            builder.add(counted);
        }
    })?;
    Ok(Searchable {
        index: builder.finish(),
        marked_languages: marked,
    })
}

/// Each record counted, with its language when it is a marked test.
type Chunk = Vec<(Counted, Option<Language>)>;

/// Calls `f` with the records of every run of [`CHUNK`] rows, in order,
/// each counted as the lexical index counts it.
fn for_each_chunk(access: &Access, mut f: impl FnMut(Chunk)) -> Result<(), String> {
    let rows = &access.index.rows;
    let nodes = access
        .index
        .entry(entry::NODES)
        .ok_or("access.bin lists no nodes.json")?
        .offset;
    for run in rows.chunks(CHUNK) {
        let (first, last) = (run[0], run[run.len() - 1]);
        let start = first.record;
        let end = last.record + u64::from(last.record_len);
        let bytes = access
            .read(nodes + start, end - start)
            .map_err(|e| e.to_string())?;
        let chunk: Result<Chunk, String> = run
            .par_iter()
            .map(|row| {
                let at = (row.record - start) as usize;
                let record = &bytes[at..at + row.record_len as usize];
                let s: SymbolNode = serde_json::from_slice(record)
                    .map_err(|e| format!("nodes.json: a record does not parse: {e}"))?;
                if id_number(&s.id) != Some(row.id) {
                    return Err(format!(
                        "nodes.json: the record of row {} is {}",
                        row.id, s.id
                    ));
                }
                let test = s.role == Some(FileRole::Test) && marked_test(&s);
                Ok((Counted::of(&doc_fields(&s)), test.then_some(s.language)))
            })
            .collect();
        f(chunk?);
    }
    Ok(())
}

/// Reads the sidecar at `path` for docpack `id`.
pub fn read(path: &Path, id: &str) -> Result<Searchable, String> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let body = len.checked_sub(32).ok_or("the index is truncated")?;
    let mut stored = [0u8; 32];
    file.read_exact_at(&mut stored, body)
        .map_err(|e| e.to_string())?;
    // Hashed in the buffer's chunks, never past the body.
    let hashing = Hashing::new(Read::take(&file, body));
    let mut r = BufReader::with_capacity(1 << 20, hashing);
    let s = read_body(&mut r, id)?;
    if r.read(&mut [0u8; 1]).map_err(|e| e.to_string())? != 0 {
        return Err("the index has bytes after its end".into());
    }
    if stored != *r.into_inner().hasher.finalize().as_bytes() {
        return Err("the index fails its checksum".into());
    }
    Ok(s)
}

fn read_body(r: &mut impl Read, id: &str) -> Result<Searchable, String> {
    let mut magic = [0u8; MAGIC.len()];
    r.read_exact(&mut magic).map_err(|e| e.to_string())?;
    if magic != MAGIC {
        return Err("not a search index".into());
    }
    if read_text(r)? != id {
        return Err("the index of another docpack".into());
    }
    let count = read_u32(r)?;
    if count > 64 {
        return Err("too many languages".into());
    }
    let mut marked = Vec::new();
    for _ in 0..count {
        let name = read_text(r)?;
        marked.push(
            serde_json::from_value(serde_json::Value::String(name))
                .map_err(|_| "an unknown language".to_string())?,
        );
    }
    Ok(Searchable {
        index: Bm25::read_from(r)?,
        marked_languages: marked,
    })
}

/// Writes the sidecar for docpack `id` (to a temporary file, then renamed).
pub fn write(path: &Path, id: &str, s: &Searchable) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let file = std::fs::File::create(&tmp)?;
    let mut w = BufWriter::with_capacity(1 << 20, Hashing::new(file));
    w.write_all(MAGIC)?;
    write_text(&mut w, id)?;
    w.write_all(&(s.marked_languages.len() as u32).to_le_bytes())?;
    for l in &s.marked_languages {
        let name = serde_json::to_value(l)?;
        write_text(&mut w, name.as_str().unwrap_or_default())?;
    }
    s.index.write_to(&mut w)?;
    let Hashing { mut inner, hasher } = w.into_inner().map_err(|e| e.into_error())?;
    inner.write_all(hasher.finalize().as_bytes())?;
    inner.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn write_text(w: &mut impl Write, text: &str) -> std::io::Result<()> {
    w.write_all(&(text.len() as u32).to_le_bytes())?;
    w.write_all(text.as_bytes())
}

fn read_u32(r: &mut impl Read) -> Result<u32, String> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).map_err(|e| e.to_string())?;
    Ok(u32::from_le_bytes(b))
}

fn read_text(r: &mut impl Read) -> Result<String, String> {
    let len = read_u32(r)? as usize;
    if len > 4096 {
        return Err("a name is too long".into());
    }
    let mut b = vec![0u8; len];
    r.read_exact(&mut b).map_err(|e| e.to_string())?;
    String::from_utf8(b).map_err(|_| "a name is not UTF-8".into())
}

/// A reader or writer that hashes what passes through it.
struct Hashing<T> {
    inner: T,
    hasher: blake3::Hasher,
}

impl<T> Hashing<T> {
    fn new(inner: T) -> Hashing<T> {
        Hashing {
            inner,
            hasher: blake3::Hasher::new(),
        }
    }
}

impl<T: Read> Read for Hashing<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl<T: Write> Write for Hashing<T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
