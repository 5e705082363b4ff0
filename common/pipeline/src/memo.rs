//! The one memo: what a stage keeps between builds of one source, so a
//! rebuild does again only what changed (ingest's pointer to the files it
//! parsed and the history it read, embed's vectors, assemble's clusters
//! and neighbours, generate's summaries, pack's deflated blocks).
//!
//! An entry is one object, `cache/<stage>/<source>.<name>` (`<source>`: a
//! hash of the source as given, made absolute when it is a local path),
//! replaced by every build:
//!
//! ```text
//! doctown-memo <stage>.<name> v<version> <build> <input>\n   payload   XXH3-128 of all before (16 bytes)
//! ```
//!
//! `<build>` is the one workspace fingerprint: the build id of the
//! running executable ([`build`]), so an entry written by another build
//! of Doctown is never read, whatever it changed — no crate keeps a hash
//! of its own source. `<version>` is the payload's layout and `<input>` a
//! digest of what the entry was computed from, both given by the stage
//! ([`Slot`]). An entry is used only when all of them are the same now.
//!
//! One policy for what cannot be used: an absent entry, one of another
//! build, version or input, and a damaged one (truncated, another
//! checksum, unreadable) all read as a miss — the stage computes what the
//! entry held, as a cold build does, and the output is the same bytes
//! either way. A damaged entry, or a store that fails, says so in the log;
//! a failure to write an entry only costs the next build time.

use doctown_core::{JobState, Stage};
use doctown_store::{ObjectStore, ObjectWriter};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::OnceLock;
use twox_hash::XxHash3_128;

/// The first word of every entry.
const MAGIC: &str = "doctown-memo";
/// The checksum after the payload.
const TRAILER: usize = 16;
/// The longest header line an entry may have.
const MAX_HEADER: u64 = 1024;

/// What a stage keeps of one source, under its stage's name.
#[derive(Clone)]
pub struct Memo<'a> {
    store: &'a dyn ObjectStore,
    stage: Stage,
    source: String,
    build: Option<&'a str>,
}

/// One entry: its name, the version of its payload's layout, and a
/// digest of what it was computed from (any bytes; empty when the
/// payload checks its own input, as pack's block index does).
#[derive(Debug, Clone, Copy)]
pub struct Slot<'s> {
    pub name: &'s str,
    pub version: u32,
    pub input: &'s [u8],
}

impl<'s> Slot<'s> {
    pub fn new(name: &'s str, version: u32) -> Self {
        Slot {
            name,
            version,
            input: &[],
        }
    }

    /// The slot for a payload computed from what `input` digests.
    pub fn from(self, input: &'s [u8]) -> Self {
        Slot { input, ..self }
    }
}

/// Why an entry was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// There is none (a first build, or nothing was kept).
    Absent,
    /// It was written by another build, in another version or from
    /// another input: expected after a change, and said nowhere.
    Other,
    /// It is damaged or the store failed: said in the log.
    Damaged(String),
}

impl<'a> Memo<'a> {
    /// The memo of `stage` for the job's source.
    pub fn for_job(store: &'a dyn ObjectStore, job: &JobState, stage: Stage) -> Self {
        Memo::for_source(store, &job.input.source, stage)
    }

    /// The memo of `stage` for a source as given (a local path is made
    /// absolute, so the memo is found from any directory).
    pub fn for_source(store: &'a dyn ObjectStore, source: &str, stage: Stage) -> Self {
        use sha2::{Digest, Sha256};
        let identity = std::fs::canonicalize(source)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| source.to_string());
        let hash = Sha256::digest(identity.as_bytes());
        Memo {
            store,
            stage,
            source: hex::encode(&hash[..16]),
            build: build(),
        }
    }

    /// The same memo, as a build with this id would see it (how a test
    /// plays another build).
    pub fn as_build(self, build: &'a str) -> Self {
        Memo {
            build: Some(build),
            ..self
        }
    }

    /// The build that wrote an entry (a harness that times a stage on
    /// what another build kept reads it [`Memo::as_build`] that one).
    pub fn written_by(&self, name: &str) -> Option<String> {
        let stream = self.store.get_stream(&self.key(name)).ok()??;
        let mut header = Vec::new();
        BufReader::new(stream)
            .take(MAX_HEADER)
            .read_until(b'\n', &mut header)
            .ok()?;
        let header = std::str::from_utf8(&header).ok()?;
        let mut words = header.split_ascii_whitespace();
        (words.next() == Some(MAGIC))
            .then(|| words.nth(2))
            .flatten()
            .map(str::to_string)
    }

    /// The store key of an entry.
    pub fn key(&self, name: &str) -> String {
        format!("cache/{}/{}.{name}", self.stage.name(), self.source)
    }

    /// The header line of an entry of this build.
    fn header(&self, slot: &Slot<'_>, build: &str) -> String {
        format!(
            "{MAGIC} {}.{} v{} {build} {}\n",
            self.stage.name(),
            slot.name,
            slot.version,
            hex::encode(slot.input)
        )
    }

    /// The entry's payload, or `None` after saying why it cannot be used
    /// when it is damaged.
    pub fn get(&self, slot: Slot<'_>) -> Option<Vec<u8>> {
        self.lookup(slot)
            .map_err(|miss| self.report(&slot, miss))
            .ok()
    }

    /// The entry's payload, or why it cannot be used. Read whole and
    /// checked in place: the payload is the object's bytes less the
    /// header and the checksum, never copied beside them.
    pub fn lookup(&self, slot: Slot<'_>) -> Result<Vec<u8>, Miss> {
        let build = self.build.ok_or(Miss::Other)?;
        let mut bytes = self
            .store
            .get_bytes(&self.key(slot.name))
            .map_err(|e| Miss::Damaged(e.to_string()))?
            .ok_or(Miss::Absent)?;
        let header = self.header(&slot, build);
        let first = &bytes[..bytes.len().min(MAX_HEADER as usize)];
        let line = first
            .iter()
            .position(|&b| b == b'\n')
            .map_or(first, |end| &first[..=end]);
        check_header(line, &header)?;
        let Some(body) = bytes
            .len()
            .checked_sub(TRAILER)
            .filter(|&b| b >= header.len())
        else {
            return Err(Miss::Damaged("it is damaged (cut short)".to_string()));
        };
        let sum = XxHash3_128::oneshot(&bytes[..body]).to_le_bytes();
        if bytes[body..] != sum {
            return Err(Miss::Damaged(
                "it is damaged (its checksum does not match)".to_string(),
            ));
        }
        bytes.truncate(body);
        bytes.drain(..header.len());
        Ok(bytes)
    }

    /// The entry's payload as it is read, or `None` after saying why it
    /// cannot be used when it is damaged. The entry is read through once
    /// to check it (its payload is never whole in memory), then again for
    /// the caller: a damaged payload is a miss before any of it is used.
    /// (Should the entry be replaced in between, the second read's last
    /// read fails.)
    pub fn reader(&self, slot: Slot<'_>) -> Option<EntryReader> {
        let checked = self.lookup_stream(slot).and_then(|mut entry| {
            std::io::copy(&mut entry, &mut std::io::sink())
                .map_err(|e| Miss::Damaged(e.to_string()))
        });
        checked
            .and_then(|_| self.lookup_stream(slot))
            .map_err(|miss| self.report(&slot, miss))
            .ok()
    }

    fn lookup_stream(&self, slot: Slot<'_>) -> Result<EntryReader, Miss> {
        let build = self.build.ok_or(Miss::Other)?;
        let stream = self
            .store
            .get_stream(&self.key(slot.name))
            .map_err(|e| Miss::Damaged(e.to_string()))?
            .ok_or(Miss::Absent)?;
        let mut reader = BufReader::new(Checked::new(stream));
        let mut header = Vec::new();
        (&mut reader)
            .take(MAX_HEADER)
            .read_until(b'\n', &mut header)
            .map_err(|e| Miss::Damaged(e.to_string()))?;
        check_header(&header, &self.header(&slot, build))?;
        Ok(EntryReader(reader))
    }

    /// Says in the log why an entry that was there is not used.
    fn report(&self, slot: &Slot<'_>, miss: Miss) {
        if let Miss::Damaged(why) = miss {
            tracing::warn!(
                "{} of this source's last build not reused ({}): computed again",
                self.key(slot.name),
                why
            );
        }
    }

    /// Replaces the entry with `payload`.
    pub fn put(&self, slot: Slot<'_>, payload: &[u8]) {
        if let Some(mut writer) = self.writer(slot) {
            let written = writer.write_all(payload).map_err(|e| e.to_string());
            if let Err(e) = written {
                self.not_kept(&slot, &e);
            } else {
                writer.commit();
            }
        }
    }

    /// A writer of the entry; nothing replaces the last build's entry
    /// before [`EntryWriter::commit`]. `None` (said in the log) when the
    /// store cannot write, or this build has no id.
    pub fn writer(&self, slot: Slot<'_>) -> Option<EntryWriter<'a>> {
        let build = self.build?;
        let key = self.key(slot.name);
        let header = self.header(&slot, build);
        let mut writer = match self.store.writer(&key) {
            Ok(out) => EntryWriter {
                out,
                hasher: XxHash3_128::new(),
                key,
            },
            Err(e) => {
                self.not_kept(&slot, &e.to_string());
                return None;
            }
        };
        match writer.write_all(header.as_bytes()) {
            Ok(()) => Some(writer),
            Err(e) => {
                self.not_kept(&slot, &e.to_string());
                None
            }
        }
    }

    fn not_kept(&self, slot: &Slot<'_>, why: &str) {
        tracing::warn!(
            "{} not kept for the next build ({why}): it will compute it again",
            self.key(slot.name)
        );
    }
}

/// Whether an entry whose first line is `line` is the one `expected`
/// names: a memo entry's header of another build, version or input is
/// a plain miss; anything else is damage.
fn check_header(line: &[u8], expected: &str) -> Result<(), Miss> {
    if line == expected.as_bytes() {
        Ok(())
    } else if line.starts_with(MAGIC.as_bytes()) && line.ends_with(b"\n") {
        Err(Miss::Other)
    } else {
        Err(Miss::Damaged(
            "it is damaged (not a memo entry)".to_string(),
        ))
    }
}

/// An entry's payload, read as it is asked for.
pub struct EntryReader(BufReader<Checked>);

impl Read for EntryReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(out)
    }
}

impl BufRead for EntryReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.0.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.0.consume(n)
    }
}

/// An entry's bytes with its trailer held back: everything before the
/// last 16 bytes is hashed as it is passed on, and the end of the stream
/// is an error unless those 16 bytes are the hash.
struct Checked {
    inner: Box<dyn Read + Send>,
    hasher: XxHash3_128,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
}

impl Checked {
    fn new(inner: Box<dyn Read + Send>) -> Self {
        Checked {
            inner,
            hasher: XxHash3_128::new(),
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
        }
    }

    /// Reads until more than the trailer is held, or the stream ends.
    fn fill(&mut self) -> std::io::Result<()> {
        while !self.eof && self.end - self.start <= TRAILER {
            self.buf.copy_within(self.start..self.end, 0);
            (self.end, self.start) = (self.end - self.start, 0);
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl Read for Checked {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.fill()?;
        let held = self.end - self.start;
        if held <= TRAILER {
            let trailer = &self.buf[self.start..self.end];
            let hash = self.hasher.finish_128().to_le_bytes();
            return if trailer == hash {
                Ok(0)
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "it is damaged (its checksum does not match)",
                ))
            };
        }
        let n = out.len().min(held - TRAILER);
        let bytes = &self.buf[self.start..self.start + n];
        out[..n].copy_from_slice(bytes);
        self.hasher.write(bytes);
        self.start += n;
        Ok(n)
    }
}

/// An entry being written: the header is in; [`EntryWriter::commit`]
/// adds the checksum and stores it.
pub struct EntryWriter<'a> {
    out: Box<dyn ObjectWriter + 'a>,
    hasher: XxHash3_128,
    key: String,
}

impl EntryWriter<'_> {
    /// Stores the entry (a failure is said in the log: it only costs the
    /// next build time).
    pub fn commit(mut self) {
        let hash = self.hasher.finish_128().to_le_bytes();
        let stored = self
            .out
            .write_all(&hash)
            .map_err(|e| e.to_string())
            .and_then(|()| self.out.commit().map(drop).map_err(|e| e.to_string()));
        if let Err(e) = stored {
            tracing::warn!(
                "{} not kept for the next build ({e}): it will compute it again",
                self.key
            );
        }
    }
}

impl Write for EntryWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(bytes)?;
        self.hasher.write(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The one workspace fingerprint: the id of this build of Doctown — the
/// executable's GNU build id (the linker's hash of what it linked), or a
/// hash of the executable's bytes where it has none. `None` when the
/// executable cannot be read: then nothing is kept or reused.
pub fn build() -> Option<&'static str> {
    static BUILD: OnceLock<Option<String>> = OnceLock::new();
    BUILD
        .get_or_init(|| {
            let exe = std::env::current_exe().ok()?;
            let found = elf::build_id(&exe).or_else(|| hash_file(&exe));
            if found.is_none() {
                tracing::warn!(
                    "{} cannot be read: no build keeps or reuses what an earlier one computed",
                    exe.display()
                );
            }
            found
        })
        .as_deref()
}

/// A hash of a file's bytes.
fn hash_file(path: &std::path::Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = XxHash3_128::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf).ok()? {
            0 => break,
            n => hasher.write(&buf[..n]),
        }
    }
    Some(format!("x{:032x}", hasher.finish_128()))
}

/// The GNU build id of a 64-bit little-endian ELF file, read from its
/// program headers' notes (a few kilobytes at the file's start).
mod elf {
    use std::io::{Read, Seek, SeekFrom};

    const PT_NOTE: u32 = 4;
    const NT_GNU_BUILD_ID: u32 = 3;
    /// The most program headers and note bytes read.
    const MAX_HEADERS: u16 = 256;
    const MAX_NOTES: u64 = 64 * 1024;

    pub fn build_id(path: &std::path::Path) -> Option<String> {
        let mut file = std::fs::File::open(path).ok()?;
        let mut header = [0u8; 64];
        file.read_exact(&mut header).ok()?;
        // ELF magic, 64-bit, little-endian.
        if header[..4] != *b"\x7fELF" || header[4] != 2 || header[5] != 1 {
            return None;
        }
        let phoff = u64::from_le_bytes(header[32..40].try_into().ok()?);
        let phentsize = u16::from_le_bytes(header[54..56].try_into().ok()?);
        let phnum = u16::from_le_bytes(header[56..58].try_into().ok()?);
        if phentsize < 56 || phnum > MAX_HEADERS {
            return None;
        }
        let mut table = vec![0u8; usize::from(phentsize) * usize::from(phnum)];
        file.seek(SeekFrom::Start(phoff)).ok()?;
        file.read_exact(&mut table).ok()?;
        table.chunks(usize::from(phentsize)).find_map(|ph| {
            let kind = u32::from_le_bytes(ph[0..4].try_into().ok()?);
            if kind != PT_NOTE {
                return None;
            }
            let offset = u64::from_le_bytes(ph[8..16].try_into().ok()?);
            let size = u64::from_le_bytes(ph[32..40].try_into().ok()?).min(MAX_NOTES);
            let mut notes = vec![0u8; usize::try_from(size).ok()?];
            file.seek(SeekFrom::Start(offset)).ok()?;
            file.read_exact(&mut notes).ok()?;
            gnu_build_id(&notes)
        })
    }

    /// The build id among a note segment's notes (each: name size,
    /// description size, type, then name and description, 4-aligned).
    pub(super) fn gnu_build_id(mut notes: &[u8]) -> Option<String> {
        let word =
            |b: &[u8], at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
        let aligned = |n: u32| (n as usize).div_ceil(4) * 4;
        while notes.len() >= 12 {
            let (namesz, descsz, kind) = (word(notes, 0)?, word(notes, 4)?, word(notes, 8)?);
            let name_end = 12 + aligned(namesz);
            let desc_end = name_end.checked_add(aligned(descsz))?;
            let name = notes.get(12..12 + namesz as usize)?;
            let desc = notes.get(name_end..name_end + descsz as usize)?;
            if kind == NT_GNU_BUILD_ID && name == b"GNU\0" && !desc.is_empty() {
                return Some(hex::encode(desc));
            }
            notes = notes.get(desc_end..)?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_store::MemoryStore;

    const SLOT: Slot<'static> = Slot {
        name: "vectors",
        version: 3,
        input: b"digest",
    };

    #[test]
    fn an_entry_reads_back_under_the_same_build_version_and_input() {
        let store = MemoryStore::default();
        let memo =
            Memo::for_source(&store, "https://example.com/r.git", Stage::Embed).as_build("b1");
        assert_eq!(memo.lookup(SLOT), Err(Miss::Absent));
        memo.put(SLOT, b"payload bytes");
        assert_eq!(memo.lookup(SLOT).as_deref(), Ok(&b"payload bytes"[..]));
        let mut streamed = Vec::new();
        memo.reader(SLOT)
            .unwrap()
            .read_to_end(&mut streamed)
            .unwrap();
        assert_eq!(streamed, b"payload bytes");
        assert!(memo.key("vectors").starts_with("cache/embed/"));

        assert_eq!(memo.written_by("vectors").as_deref(), Some("b1"));
        let other_build = memo.clone().as_build("b2");
        assert_eq!(other_build.lookup(SLOT), Err(Miss::Other));
        assert_eq!(memo.lookup(Slot { version: 4, ..SLOT }), Err(Miss::Other));
        assert_eq!(memo.lookup(SLOT.from(b"other")), Err(Miss::Other));
        let other_source = Memo::for_source(&store, "elsewhere", Stage::Embed).as_build("b1");
        assert_eq!(other_source.lookup(SLOT), Err(Miss::Absent));
    }

    #[test]
    fn any_damage_is_a_miss_never_a_wrong_payload() {
        let store = MemoryStore::default();
        let memo = Memo::for_source(&store, "src", Stage::Assemble).as_build("b");
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        memo.put(SLOT, &payload);
        let key = memo.key(SLOT.name);
        let whole = store.get_bytes(&key).unwrap().unwrap();
        assert_eq!(memo.lookup(SLOT).unwrap(), payload);
        for at in [whole.len() / 2, whole.len() - 1, 40] {
            let mut bytes = whole.clone();
            bytes[at] ^= 1;
            store.put(&key, &bytes).unwrap();
            assert!(matches!(
                memo.lookup(SLOT),
                Err(Miss::Damaged(_) | Miss::Other)
            ));
        }
        for len in [0, 5, whole.len() - 16, whole.len() - 1] {
            store.put(&key, &whole[..len]).unwrap();
            assert!(memo.lookup(SLOT).is_err(), "truncated to {len}");
        }
        store.put(&key, b"garbage without a line").unwrap();
        assert!(matches!(memo.lookup(SLOT), Err(Miss::Damaged(_))));
    }

    #[test]
    fn a_writer_stores_nothing_until_it_commits() {
        let store = MemoryStore::default();
        let memo = Memo::for_source(&store, "src", Stage::Generate).as_build("b");
        memo.put(SLOT, b"last");
        let mut writer = memo.writer(SLOT).unwrap();
        writer.write_all(b"next, half").unwrap();
        drop(writer);
        assert_eq!(memo.lookup(SLOT).unwrap(), b"last");
        let mut writer = memo.writer(SLOT).unwrap();
        writer.write_all(b"next").unwrap();
        writer.commit();
        assert_eq!(memo.lookup(SLOT).unwrap(), b"next");
    }

    #[test]
    fn this_build_has_an_id() {
        let id = build().expect("the test binary is readable");
        assert!(id.len() >= 16, "{id}");
        #[cfg(target_os = "linux")]
        assert!(
            !id.starts_with('x'),
            "read from the ELF notes, not hashed: {id}"
        );
        assert_eq!(build(), Some(id));
    }

    #[test]
    fn a_note_segment_gives_its_build_id() {
        let mut notes = Vec::new();
        // Another note first, with a name that needs padding.
        for (name, kind, desc) in [
            (&b"ABCDE\0"[..], 1u32, &[9u8; 5][..]),
            (b"GNU\0", 3, &[0xab, 0xcd]),
        ] {
            notes.extend((name.len() as u32).to_le_bytes());
            notes.extend((desc.len() as u32).to_le_bytes());
            notes.extend(kind.to_le_bytes());
            notes.extend(name);
            notes.resize(notes.len().div_ceil(4) * 4, 0);
            notes.extend(desc);
            notes.resize(notes.len().div_ceil(4) * 4, 0);
        }
        assert_eq!(elf::gnu_build_id(&notes).as_deref(), Some("abcd"));
        assert_eq!(elf::gnu_build_id(&notes[..20]), None);
        assert_eq!(elf::gnu_build_id(&[]), None);
    }
}
