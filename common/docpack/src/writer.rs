//! Writing a docpack: canonical ordering, computed statistics and graph
//! metrics, validation, checksums, and deterministic tar + gzip framing.
//!
//! Determinism: the writer sorts every list it owns (see [`canonicalize`]),
//! so the same content in any input order gives the same bytes. Framing:
//! `manifest.json` first, then the other entries sorted by name; ustar
//! headers with mode `0644`, uid/gid `0`, empty user/group names, mtime `0`
//! (1970-01-01T00:00:00Z); gzip with mtime `0`, no file name or comment,
//! OS byte `255`, deflated at level [`COMPRESSION_LEVEL`] in independent
//! content-defined blocks ([`crate::blocks`]), so a rebuild reuses the
//! deflated blocks of what did not change.

use crate::blocks::{BlockCache, GzipMember};
use crate::canonical::{docpack_id, sha256_hex, to_canonical_json};
use crate::embeddings::Embeddings;
use crate::error::DocpackError;
use crate::model::*;
use crate::{entry, validate, SCHEMA_VERSION};
use std::io::Write;
use std::path::Path;

pub use crate::blocks::COMPRESSION_LEVEL;

/// Everything a producer supplies. Statistics, optional-part flags, graph
/// `edges_by_kind`/`density` and checksums are computed by the writer.
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
    /// The deflated blocks of `bytes`, for the next build to reuse.
    pub blocks: BlockCache,
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
    input.nodes.symbols.sort_by(|a, b| a.id.cmp(&b.id));
    input.graph.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    input
        .graph
        .edges
        .sort_by(|a, b| (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind)));
    input.clusters.clusters.sort_by(|a, b| a.id.cmp(&b.id));
    for c in &mut input.clusters.clusters {
        sort_ids(&mut c.members);
    }
    input.source_map.files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in &mut input.source_map.files {
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
    input.docs.modules.sort_by(|a, b| a.id.cmp(&b.id));
    for m in &mut input.docs.modules {
        sort_ids(&mut m.symbols);
    }
    if let Some(ctx) = &mut input.symbol_contexts {
        ctx.contexts.sort_by(|a, b| a.symbol_id.cmp(&b.symbol_id));
    }
}

/// Encodes a docpack in memory: canonical order, validation, checksums.
pub fn encode_docpack(input: &DocpackInput) -> Result<EncodedDocpack, DocpackError> {
    encode_docpack_owned(input.clone())
}

/// [`encode_docpack`] without a copy of the input: each part is released as
/// soon as it is serialised (the parts are serialised four at a time, so
/// peak memory is the typed parts plus at most four parts' JSON).
pub fn encode_docpack_owned(c: DocpackInput) -> Result<EncodedDocpack, DocpackError> {
    encode_docpack_reusing(c, &BlockCache::default())
}

/// [`encode_docpack_owned`], taking deflated blocks from a previous
/// build's [`EncodedDocpack::blocks`] where their content is unchanged.
/// The bytes are the same as without the cache.
pub fn encode_docpack_reusing(
    mut c: DocpackInput,
    previous: &BlockCache,
) -> Result<EncodedDocpack, DocpackError> {
    canonicalize(&mut c);
    fill_graph_metrics(&mut c.graph);
    validate::validate_parts(&validate::Parts {
        nodes: &c.nodes,
        graph: &c.graph,
        clusters: &c.clusters,
        source_map: &c.source_map,
        docs: &c.docs,
        embeddings: c.embeddings.as_ref(),
        symbol_contexts: c.symbol_contexts.as_ref(),
    })?;
    let statistics = statistics(&c);
    let parts_present = OptionalParts {
        embeddings: c.embeddings.is_some(),
        symbol_contexts: c.symbol_contexts.is_some(),
    };

    // The parts are serialised in parallel, the two largest on their own;
    // each typed part is dropped as soon as its JSON exists.
    let (nodes, graph, source_map) = (
        std::mem::take(&mut c.nodes),
        std::mem::take(&mut c.graph),
        std::mem::take(&mut c.source_map),
    );
    let (clusters, docs, contexts) = (
        std::mem::take(&mut c.clusters),
        std::mem::take(&mut c.docs),
        c.symbol_contexts.take(),
    );
    let ((nodes, graph), (source_map, rest)) = rayon::join(
        || {
            rayon::join(
                || to_canonical_json(entry::NODES, &nodes),
                || to_canonical_json(entry::GRAPH, &graph),
            )
        },
        || {
            rayon::join(
                || to_canonical_json(entry::SOURCE_MAP, &source_map),
                || -> Result<_, DocpackError> {
                    let contexts = contexts
                        .map(|ctx| to_canonical_json(entry::SYMBOL_CONTEXTS, &ctx))
                        .transpose()?;
                    Ok((
                        to_canonical_json(entry::CLUSTERS, &clusters)?,
                        to_canonical_json(entry::DOCS, &docs)?,
                        contexts,
                    ))
                },
            )
        },
    );
    let (clusters, docs, contexts) = rest?;
    let mut parts: Vec<(&str, Vec<u8>)> = vec![
        (entry::NODES, nodes?),
        (entry::GRAPH, graph?),
        (entry::CLUSTERS, clusters),
        (entry::SOURCE_MAP, source_map?),
        (entry::DOCS, docs),
    ];
    if let Some(e) = c.embeddings.take() {
        parts.push((entry::EMBEDDINGS, e.to_bytes()));
    }
    if let Some(ctx) = contexts {
        parts.push((entry::SYMBOL_CONTEXTS, ctx));
    }
    parts.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));

    let entries: Vec<EntryChecksum> = parts
        .iter()
        .map(|(name, bytes)| EntryChecksum {
            name: name.to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        })
        .collect();
    let id = docpack_id(entries.iter().map(|e| (e.name.as_str(), e.sha256.as_str())));
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION.to_string(),
        docpack_id: id.clone(),
        source: c.source.clone(),
        generator: c.generator.clone(),
        models: c.models.clone(),
        statistics,
        parts: parts_present,
        checksum: Checksum {
            algorithm: "sha256".to_string(),
            value: id,
            entries,
        },
    };
    let mut all = vec![(
        entry::MANIFEST.to_string(),
        to_canonical_json(entry::MANIFEST, &manifest)?,
    )];
    all.extend(parts.into_iter().map(|(n, b)| (n.to_string(), b)));
    let framed: Vec<(&str, &[u8])> = all
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let gzipped = frame(&framed, previous)?;
    Ok(EncodedDocpack {
        bytes: gzipped.bytes,
        manifest,
        entries: all,
        blocks: gzipped.cache,
        block_count: gzipped.blocks,
        blocks_reused: gzipped.reused,
    })
}

/// Encodes and writes a docpack atomically (temporary file, then rename).
pub fn write_docpack(input: &DocpackInput, path: &Path) -> Result<Manifest, DocpackError> {
    let encoded = encode_docpack(input)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| DocpackError::io(dir, e))?;
    tmp.write_all(&encoded.bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| DocpackError::io(tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| DocpackError::io(path, e.error))?;
    Ok(encoded.manifest)
}

/// The deterministic tar.gz framing of some entries, in the order given.
/// Low level: no validation, no manifest. Used by the writer and by tests
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
    let io = |e: std::io::Error| DocpackError::Corrupt(format!("cannot frame entries: {e}"));
    let mut member = GzipMember::new(previous);
    for (name, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_path(name).map_err(io)?;
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        member.push(h.as_bytes())?;
        member.push(data)?;
        let padding = (512 - data.len() % 512) % 512;
        if padding > 0 {
            member.push(&[0u8; 512][..padding])?;
        }
    }
    member.push(&[0u8; 1024])?;
    Ok(member.finish())
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

fn statistics(c: &DocpackInput) -> Statistics {
    let mut languages = std::collections::BTreeMap::<String, LanguageStats>::new();
    for f in &c.source_map.files {
        languages
            .entry(f.language.name().to_string())
            .or_default()
            .files += 1;
    }
    for s in &c.nodes.symbols {
        languages
            .entry(s.language.name().to_string())
            .or_default()
            .symbols += 1;
    }
    Statistics {
        files: c.source_map.files.len() as u64,
        symbols: c.nodes.symbols.len() as u64,
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
