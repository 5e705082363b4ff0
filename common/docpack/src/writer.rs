//! Writing a docpack: canonical ordering, computed statistics, graph
//! metrics and module level, validation, checksums, and deterministic tar + gzip framing.
//!
//! Determinism: the writer sorts every list it owns (see [`canonicalize`]),
//! so the same content in any input order gives the same bytes. Framing:
//! `manifest.json` first, then the other entries sorted by name; ustar
//! headers with mode `0644`, uid/gid `0`, empty user/group names, mtime `0`
//! (1970-01-01T00:00:00Z); gzip with mtime `0`, no file name or comment,
//! OS byte `255`, deflated at level [`COMPRESSION_LEVEL`] in independent
//! content-defined blocks ([`crate::blocks`]), so a rebuild reuses the
//! deflated blocks of what did not change.

use crate::access::BlockSpan;
use crate::access_build::{symbol_graph, SymbolGraph};
use crate::blocks::{BlockCache, BlockIndex, GzipMember};
use crate::canonical::{docpack_id, to_canonical_json};
use crate::embeddings::Embeddings;
use crate::error::DocpackError;
use crate::model::*;
use crate::module_level::fill_module_level;
use crate::nodes_spool::{prepare, NodesSpool, SpooledNodes, Symbols};
use crate::spool::{write_part, PartBody, Spool};
use crate::{entry, validate, SCHEMA_VERSION};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

pub use crate::blocks::COMPRESSION_LEVEL;

/// Everything a producer supplies. Statistics, optional-part flags, graph
/// `edges_by_kind`/`density`, each module's `code` and `dependencies`
/// ([`crate::module_level`]) and checksums are computed by the writer.
#[derive(Debug, Clone, PartialEq)]
pub struct DocpackInput {
    pub source: SourceInfo,
    pub generator: GeneratorInfo,
    pub models: ModelInfo,
    pub nodes: Nodes,
    pub graph: Graph,
    pub clusters: Clusters,
    pub source_map: SourceMap,
    pub docs: Docs,
    pub embeddings: Option<Embeddings>,
    pub symbol_contexts: Option<SymbolContexts>,
    /// `history.json` (since 1.4).
    pub history: Option<History>,
    /// Why there is no history, for the manifest (ignored with a history).
    pub history_absent: Option<String>,
}

impl Default for DocpackInput {
    fn default() -> Self {
        DocpackInput {
            source: SourceInfo::default(),
            generator: GeneratorInfo {
                name: doctown_core::GENERATOR.to_string(),
                version: doctown_core::VERSION.to_string(),
            },
            models: ModelInfo {
                embedding: None,
                summary: FACTS_MODEL.to_string(),
            },
            nodes: Nodes::default(),
            graph: Graph::default(),
            clusters: Clusters::default(),
            source_map: SourceMap::default(),
            docs: Docs::default(),
            embeddings: None,
            symbol_contexts: None,
            history: None,
            history_absent: None,
        }
    }
}

/// A read docpack as the writer's input: `doctown upgrade` writes it
/// again in the current format (its producer and content unchanged; what
/// the writer computes, computed again).
impl From<Docpack> for DocpackInput {
    fn from(d: Docpack) -> Self {
        let m = d.manifest;
        DocpackInput {
            source: m.source,
            generator: m.generator,
            models: m.models,
            nodes: d.nodes,
            graph: d.graph,
            clusters: d.clusters,
            source_map: d.source_map,
            docs: d.docs,
            embeddings: d.embeddings,
            symbol_contexts: d.symbol_contexts,
            history: d.history,
            history_absent: m.parts.history_absent,
        }
    }
}

/// A docpack encoded in memory.
#[derive(Debug, Clone)]
pub struct EncodedDocpack {
    /// The `.docpack` file bytes (tar.gz).
    pub bytes: Vec<u8>,
    pub manifest: Manifest,
    /// The entries as written, manifest first.
    pub entries: Vec<(String, Vec<u8>)>,
    /// Where the deflated blocks of `bytes` lie, for the next build to
    /// reuse (`blocks.cache(&bytes)`).
    pub blocks: BlockIndex,
    /// How many blocks `bytes` has, and how many came from the cache given.
    pub block_count: usize,
    pub blocks_reused: usize,
}

/// Sorts every list of the content into its canonical order and removes
/// duplicate members from id lists.
pub fn canonicalize(input: &mut DocpackInput) {
    fn sort_ids(ids: &mut Vec<String>) {
        ids.sort();
        ids.dedup();
    }
    // Every sort is stable, so sorting the lists side by side (the edges,
    // the longest, on every core) gives the same order as one by one.
    let DocpackInput {
        nodes,
        graph,
        clusters,
        source_map,
        docs,
        symbol_contexts,
        ..
    } = input;
    rayon::join(
        || {
            graph
                .edges
                .par_sort_by(|a, b| (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind)))
        },
        || {
            nodes.symbols.sort_by(|a, b| a.id.cmp(&b.id));
            graph.nodes.sort_by(|a, b| a.id.cmp(&b.id));
            clusters.clusters.sort_by(|a, b| a.id.cmp(&b.id));
            for c in &mut clusters.clusters {
                sort_ids(&mut c.members);
            }
            source_map.files.sort_by(|a, b| a.path.cmp(&b.path));
            for f in &mut source_map.files {
                f.chunks.sort_by(|a, b| {
                    (a.range.start_byte, a.range.end_byte, &a.id).cmp(&(
                        b.range.start_byte,
                        b.range.end_byte,
                        &b.id,
                    ))
                });
                for c in &mut f.chunks {
                    sort_ids(&mut c.symbol_ids);
                }
            }
            docs.modules.sort_by(|a, b| a.id.cmp(&b.id));
            for m in &mut docs.modules {
                sort_ids(&mut m.symbols);
            }
            if let Some(ctx) = symbol_contexts {
                ctx.contexts.sort_by(|a, b| a.symbol_id.cmp(&b.symbol_id));
            }
        },
    );
}

/// A docpack in memory (tests and small tools): written by
/// [`write_docpack`], the one writer, with its parts spooled in a
/// temporary directory, and its entries read back from the bytes.
pub fn encode_docpack(input: &DocpackInput) -> Result<EncodedDocpack, DocpackError> {
    let dir = tempfile::tempdir()
        .map_err(|e| DocpackError::Write(format!("a temporary directory for the parts: {e}")))?;
    let written = write_docpack(
        input.clone(),
        None,
        &BlockCache::default(),
        dir.path(),
        Vec::new(),
    )?;
    let (mut read, _) =
        crate::archive::read_entries(&written.out[..], &crate::reader::ReadLimits::default())?;
    let manifest = read.remove(entry::MANIFEST).unwrap_or_default();
    let mut entries = vec![(entry::MANIFEST.to_string(), manifest)];
    entries.extend(read);
    Ok(EncodedDocpack {
        bytes: written.out,
        manifest: written.manifest,
        entries,
        blocks: written.blocks,
        block_count: written.block_count,
        blocks_reused: written.blocks_reused,
    })
}

/// A docpack written by [`write_docpack`]: what the writer got back,
/// and what was written.
#[derive(Debug)]
pub struct WrittenDocpack<W> {
    pub out: W,
    pub manifest: Manifest,
    /// The size and lowercase hex SHA-256 of the `.docpack` bytes.
    pub size_bytes: u64,
    pub sha256: String,
    /// Where the deflated blocks lie in what was written, for the next
    /// build to reuse.
    pub blocks: BlockIndex,
    pub block_count: usize,
    pub blocks_reused: usize,
}

impl<W> WrittenDocpack<W> {
    /// The same docpack with the writer turned into something else (a
    /// buffered writer into its file, say).
    pub fn try_map_out<V, E>(
        self,
        f: impl FnOnce(W) -> Result<V, E>,
    ) -> Result<WrittenDocpack<V>, E> {
        Ok(WrittenDocpack {
            out: f(self.out)?,
            manifest: self.manifest,
            size_bytes: self.size_bytes,
            sha256: self.sha256,
            blocks: self.blocks,
            block_count: self.block_count,
            blocks_reused: self.blocks_reused,
        })
    }
}

/// Writes a docpack into `out`: the one writer. Canonical order,
/// validation, statistics, then every part serialised into temporary
/// files in `spool_dir` (each removed when done) and hashed and deflated
/// from there, reusing the deflated blocks of `previous` (a former
/// build's [`WrittenDocpack::blocks`] read out of its bytes) where their
/// content is unchanged; so memory holds the typed input until it is
/// serialised and then little more than the deflated blocks. `nodes`: the
/// symbols of `nodes.json` spooled ([`crate::NodesSpool`]) instead of in
/// `c.nodes`, which must then be empty — the same bytes either way.
pub fn write_docpack<W: Write>(
    c: DocpackInput,
    nodes: Option<SpooledNodes>,
    previous: &BlockCache,
    spool_dir: &Path,
    out: W,
) -> Result<WrittenDocpack<W>, DocpackError> {
    let (unhashed, mut parts, graph) = serialise(c, nodes, spool_dir)?;
    // The parts are framed (and hashed) before the manifest that lists
    // their checksums, each into a temporary file of its own; the manifest
    // is framed first in the member, `access.bin` (which lists their
    // blocks) next, and their blocks follow.
    let (mut bodies, mut entries) = frame_parts(&mut parts, previous, spool_dir)?;
    drop(parts);
    if let Some(graph) = graph {
        let index = access_index(graph, &bodies, &entries)?;
        let mut body = PartBody::bytes(index.to_bytes());
        let (framed, checksum) = frame_part(entry::ACCESS, &mut body, previous, spool_dir)?;
        bodies.insert(0, framed);
        entries.insert(0, checksum);
    }
    let manifest = unhashed.manifest(entries);
    // Its parts passed validation in `serialise`.
    validate::remember_written(&manifest.docpack_id);
    let manifest_json = to_canonical_json(entry::MANIFEST, &manifest)?;
    // The docpack's checksum is taken on another thread as it is written.
    let mut written = None;
    let sha256 = hashed_beside(|hash| {
        let mut member = GzipMember::to_writer(
            previous,
            Hashing {
                inner: out,
                hash,
                len: 0,
            },
        )?;
        frame_entry(
            &mut member,
            entry::MANIFEST,
            &mut PartBody::bytes(manifest_json),
            &mut |_| {},
        )?;
        for body in bodies {
            member.append(body)?;
        }
        member.push(&TAR_END)?;
        let gzipped = member.finish()?;
        let Hashing { inner, len, .. } = gzipped.bytes;
        written = Some(crate::blocks::Gzipped {
            bytes: (inner, len),
            index: gzipped.index,
            blocks: gzipped.blocks,
            reused: gzipped.reused,
        });
        Ok(())
    })?;
    let gzipped =
        written.ok_or_else(|| DocpackError::Write("the docpack was not written".into()))?;
    let (out, size_bytes) = gzipped.bytes;
    Ok(WrittenDocpack {
        out,
        manifest,
        size_bytes,
        sha256,
        blocks: gzipped.index,
        block_count: gzipped.blocks,
        blocks_reused: gzipped.reused,
    })
}

/// The two zero blocks that end a tar.
const TAR_END: [u8; 1024] = [0; 1024];

/// How much of a part is cut into blocks at a time: two parts are framed
/// at once, and each batch is still dozens of blocks for the cores.
const PART_BATCH: usize = 12 << 20;

/// A part framed apart, read back from its temporary file.
type FramedPart = crate::blocks::Body<std::io::BufReader<std::fs::File>>;

/// Every part framed as it follows the manifest (its tar header, bytes
/// and padding) into a body of its own, and each part's checksum,
/// computed on a thread of its own from the bytes as they are framed: the
/// parts are read once. A segment never shares a block with another, so
/// the parts are framed side by side, the largest first, and the bodies
/// appended in the parts' order are the member framed part after part.
fn frame_parts(
    parts: &mut NamedParts,
    previous: &BlockCache,
    spool_dir: &Path,
) -> Result<(Vec<FramedPart>, Vec<EntryChecksum>), DocpackError> {
    let mut largest_first: Vec<(usize, &mut (&'static str, PartBody))> =
        parts.iter_mut().enumerate().collect();
    largest_first.sort_by_key(|(_, (_, body))| std::cmp::Reverse(body.len()));
    let mut framed: Vec<(usize, (FramedPart, EntryChecksum))> = largest_first
        .into_par_iter()
        .with_max_len(1)
        .map(|(i, (name, body))| Ok((i, frame_part(name, body, previous, spool_dir)?)))
        .collect::<Result<_, DocpackError>>()?;
    framed.sort_by_key(|(i, _)| *i);
    Ok(framed.into_iter().map(|(_, f)| f).unzip())
}

/// One part framed into a temporary file, with its checksum.
fn frame_part(
    name: &str,
    body: &mut PartBody,
    previous: &BlockCache,
    spool_dir: &Path,
) -> Result<(FramedPart, EntryChecksum), DocpackError> {
    let io = |e| DocpackError::io(spool_dir, e);
    let file = tempfile::tempfile_in(spool_dir).map_err(io)?;
    let mut member = GzipMember::body(previous, BufWriter::new(file)).with_batch(PART_BATCH);
    let size = body.len();
    let sha256 =
        hashed_beside(|hash| frame_entry(&mut member, name, body, &mut |chunk| hash(chunk)))?;
    let framed = member
        .finish_body()?
        .try_map_out(|w| -> Result<_, DocpackError> {
            let mut file = w.into_inner().map_err(|e| io(e.into_error()))?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            Ok(std::io::BufReader::with_capacity(1 << 20, file))
        })?;
    let name = name.to_string();
    Ok((framed, EntryChecksum { name, size, sha256 }))
}

/// `access.bin` of the parts framed: their blocks, then the tar's end.
fn access_index(
    graph: SymbolGraph,
    bodies: &[FramedPart],
    entries: &[EntryChecksum],
) -> Result<crate::access::AccessIndex, DocpackError> {
    let framed: Vec<(String, u64, u64)> = entries
        .iter()
        .zip(bodies)
        .map(|(e, b)| (e.name.clone(), e.size, b.raw_len()))
        .collect();
    let mut blocks: Vec<BlockSpan> = bodies.iter().flat_map(|b| b.spans().to_vec()).collect();
    blocks.push(BlockSpan {
        len: TAR_END.len() as u32,
        hash: blake3::hash(&TAR_END).into(),
    });
    graph.finish(&framed, blocks)
}

/// One entry's tar header, bytes (each chunk also handed to `seen`) and
/// padding.
fn frame_entry<W: Write>(
    member: &mut GzipMember<'_, W>,
    name: &str,
    body: &mut PartBody,
    seen: &mut dyn FnMut(&[u8]),
) -> Result<(), DocpackError> {
    let len = body.len();
    member.push(&tar_header(name, len)?)?;
    body.for_each_chunk(|chunk| {
        seen(chunk);
        member.feed(chunk)
    })?;
    member.end_segment()?;
    member.push(padding(len))
}

/// The lowercase hex SHA-256 of the bytes `feed` hands to the sink it is
/// given, hashed on another thread as they come.
fn hashed_beside(
    feed: impl FnOnce(&mut dyn FnMut(&[u8])) -> Result<(), DocpackError>,
) -> Result<String, DocpackError> {
    const PIECE: usize = 4 << 20;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    std::thread::scope(|scope| {
        let hasher = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for piece in rx {
                hasher.update(&piece);
            }
            hex::encode(hasher.finalize())
        });
        let fed = {
            let tx = tx;
            // A send fails only once the hasher is gone, which the join
            // below reports.
            feed(&mut |chunk| {
                for piece in chunk.chunks(PIECE) {
                    let _ = tx.send(piece.to_vec());
                }
            })
        };
        let sha256 = hasher
            .join()
            .map_err(|_| DocpackError::Write("the checksum thread stopped".into()))?;
        fed.map(|()| sha256)
    })
}

/// The parts of a docpack by entry name.
type NamedParts = Vec<(&'static str, PartBody)>;

/// What the manifest says but the entries' checksums.
struct Unhashed {
    source: SourceInfo,
    generator: GeneratorInfo,
    models: ModelInfo,
    statistics: Statistics,
    parts: OptionalParts,
}

impl Unhashed {
    /// The manifest listing `entries` (in the parts' order).
    fn manifest(self, entries: Vec<EntryChecksum>) -> Manifest {
        let id = docpack_id(entries.iter().map(|e| (e.name.as_str(), e.sha256.as_str())));
        Manifest {
            schema_version: SCHEMA_VERSION.to_string(),
            docpack_id: id.clone(),
            source: self.source,
            generator: self.generator,
            models: self.models,
            statistics: self.statistics,
            parts: self.parts,
            checksum: Checksum {
                algorithm: "sha256".to_string(),
                value: id,
                entries,
            },
        }
    }
}

/// Canonical order, validation, statistics; then every part serialised
/// (each typed part dropped once its JSON exists), and what the manifest
/// says of them but their checksums. The parts come sorted by name.
fn serialise(
    mut c: DocpackInput,
    spooled: Option<SpooledNodes>,
    spool_dir: &Path,
) -> Result<(Unhashed, NamedParts, Option<SymbolGraph>), DocpackError> {
    if spooled.is_some() && !c.nodes.symbols.is_empty() {
        return Err(DocpackError::Invalid(
            "symbols given both spooled and in memory".into(),
        ));
    }
    canonicalize(&mut c);
    fill_graph_metrics(&mut c.graph);
    // Symbols in memory are spooled too: `nodes.json` has one writer.
    let spooled = match spooled {
        Some(spooled) => spooled,
        None => spooled_nodes(std::mem::take(&mut c.nodes), spool_dir)?,
    };
    let symbols = spooled.symbols();
    fill_module_level(&mut c.docs, symbols, &c.source_map, &c.graph);
    let statistics = statistics(&c, symbols);
    // Validation and the access listing run beside the JSON parts'
    // serialisation, which writes only to the spool (what an invalid
    // docpack leaves there is removed with it): on two cores the parts'
    // serialisation leaves one core half idle.
    let ((validated, graph), parts) = rayon::join(
        || {
            rayon::join(
                || validate::validate_with(&parts_of(&c), symbols),
                || symbol_graph(&spooled, &c.graph, &c.docs),
            )
        },
        || serialise_parts(&c, &Spool::in_dir(spool_dir)),
    );
    validated?;
    let graph = graph?;
    let mut parts = parts?;
    parts.push((entry::NODES, PartBody::nodes(spooled)));
    parts.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let parts_present = OptionalParts {
        embeddings: c.embeddings.is_some(),
        symbol_contexts: c.symbol_contexts.is_some(),
        history: c.history.is_some(),
        history_absent: c.history_absent.take().filter(|_| c.history.is_none()),
    };
    let unhashed = Unhashed {
        source: c.source,
        generator: c.generator,
        models: c.models,
        statistics,
        parts: parts_present,
    };
    Ok((unhashed, parts, graph))
}

/// Symbols in memory (sorted by id) spooled as the pack stage spools them.
fn spooled_nodes(nodes: Nodes, dir: &Path) -> Result<SpooledNodes, DocpackError> {
    let mut spool = NodesSpool::new(dir)?;
    for node in nodes.symbols {
        spool.push(prepare(node)?)?;
    }
    spool.finish()
}

/// The parts as validation takes them.
fn parts_of(c: &DocpackInput) -> validate::Parts<'_> {
    validate::Parts {
        nodes: &c.nodes,
        graph: &c.graph,
        clusters: &c.clusters,
        source_map: &c.source_map,
        docs: &c.docs,
        embeddings: c.embeddings.as_ref(),
        symbol_contexts: c.symbol_contexts.as_ref(),
        history: c.history.as_ref(),
    }
}

/// The parts but `nodes.json` (spooled already), serialised in parallel:
/// `graph.json` on one side, the others on the other.
fn serialise_parts(c: &DocpackInput, spool: &Spool) -> Result<NamedParts, DocpackError> {
    let (graph, rest) = rayon::join(
        || write_part(entry::GRAPH, &c.graph, spool),
        || -> Result<NamedParts, DocpackError> {
            let mut rest = vec![
                (
                    entry::SOURCE_MAP,
                    write_part(entry::SOURCE_MAP, &c.source_map, spool)?,
                ),
                (
                    entry::CLUSTERS,
                    write_part(entry::CLUSTERS, &c.clusters, spool)?,
                ),
                (entry::DOCS, write_part(entry::DOCS, &c.docs, spool)?),
            ];
            if let Some(e) = &c.embeddings {
                rest.push((entry::EMBEDDINGS, PartBody::bytes(e.to_bytes())));
            }
            if let Some(ctx) = &c.symbol_contexts {
                rest.push((
                    entry::SYMBOL_CONTEXTS,
                    write_part(entry::SYMBOL_CONTEXTS, ctx, spool)?,
                ));
            }
            if let Some(h) = &c.history {
                rest.push((entry::HISTORY, write_part(entry::HISTORY, h, spool)?));
            }
            Ok(rest)
        },
    );
    let mut parts = vec![(entry::GRAPH, graph?)];
    parts.extend(rest?);
    Ok(parts)
}

/// The deterministic tar.gz framing of some entries, in the order given.
/// Low level: no validation, no manifest. Used by tests and fuzz targets
/// that craft archives.
pub fn pack_entries(entries: &[(&str, &[u8])]) -> Result<Vec<u8>, DocpackError> {
    Ok(frame(entries, &BlockCache::default())?.bytes)
}

/// The tar stream of `entries`, pushed piece by piece into one gzip
/// member: each header, each entry's bytes and its padding, the end.
fn frame(
    entries: &[(&str, &[u8])],
    previous: &BlockCache,
) -> Result<crate::blocks::Gzipped, DocpackError> {
    let mut member = GzipMember::new(previous);
    for (name, data) in entries {
        member.push(&tar_header(name, data.len() as u64)?)?;
        member.push(data)?;
        member.push(padding(data.len() as u64))?;
    }
    member.push(&[0u8; 1024])?;
    member.finish()
}

/// The ustar header of an entry: mode 0644, owner 0, mtime 0.
fn tar_header(name: &str, size: u64) -> Result<Vec<u8>, DocpackError> {
    let mut h = tar::Header::new_ustar();
    h.set_path(name)
        .map_err(|e| DocpackError::Invalid(format!("cannot name a tar entry {name:?}: {e}")))?;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    Ok(h.as_bytes().to_vec())
}

/// The zeros that round an entry of `len` bytes up to 512.
fn padding(len: u64) -> &'static [u8] {
    &[0u8; 512][..((512 - len % 512) % 512) as usize]
}

/// A writer that counts what passes through it and hands it to `hash`.
struct Hashing<'h, W> {
    inner: W,
    hash: &'h mut dyn FnMut(&[u8]),
    len: u64,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(data)?;
        (self.hash)(&data[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn fill_graph_metrics(graph: &mut Graph) {
    let mut by_kind = std::collections::BTreeMap::new();
    for e in &graph.edges {
        *by_kind.entry(e.kind.name().to_string()).or_insert(0u64) += 1;
    }
    graph.metrics.edges_by_kind = by_kind;
    let n = graph.nodes.len() as f64;
    graph.metrics.density = if n > 1.0 {
        graph.edges.len() as f64 / (n * (n - 1.0))
    } else {
        0.0
    };
}

fn statistics(c: &DocpackInput, symbols: Symbols<'_>) -> Statistics {
    let mut languages = std::collections::BTreeMap::<String, LanguageStats>::new();
    for f in &c.source_map.files {
        languages
            .entry(f.language.name().to_string())
            .or_default()
            .files += 1;
    }
    for s in symbols.iter() {
        languages
            .entry(s.language.name().to_string())
            .or_default()
            .symbols += 1;
    }
    Statistics {
        files: c.source_map.files.len() as u64,
        symbols: symbols.len() as u64,
        chunks: c
            .source_map
            .files
            .iter()
            .map(|f| f.chunks.len() as u64)
            .sum(),
        clusters: c.clusters.clusters.len() as u64,
        graph_nodes: c.graph.nodes.len() as u64,
        graph_edges: c.graph.edges.len() as u64,
        modules: c.docs.modules.len() as u64,
        embeddings: c.embeddings.as_ref().map_or(0, |e| e.len() as u64),
        embedding_dimensions: c.embeddings.as_ref().map(|e| e.dims() as u32),
        languages,
    }
}
