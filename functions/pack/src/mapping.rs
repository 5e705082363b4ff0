//! From stage artifacts to docpack parts: no store IO, no clock (the
//! symbols are spooled into temporary files in the directory given).

use crate::graph::{graph, node_id, NodeNumbers};
use crate::inputs::{Blocks, ChunkFacts, ContextFacts, PackInputs, SymbolDocRef, SymbolDocs};
use doctown_core::artifacts::assemble::{self as asm, ClusterMethod};
use doctown_core::artifacts::generate as gen;
use doctown_core::artifacts::About;
use doctown_core::{FileRecord, ResolvedSource, Symbol};
use doctown_docpack::nodes_spool::prepare;
use doctown_docpack::{
    ArchitectureDoc, ChunkEntry, Cluster, Clusters, DocSource, DocpackError, DocpackInput, Docs,
    Documentation, Embeddings, Graph, ModelInfo, ModuleDoc, ModulePackage, NodesSpool, Purpose,
    SourceFile, SourceInfo, SourceMap, SourceRange, SpooledNodes, SymbolContext, SymbolContexts,
    SymbolMetrics, SymbolNode, Symbols,
};
use doctown_pipeline::StageFailure;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The docpack's model id when summaries come from facts alone.
pub const FACTS: &str = "facts";

/// Options of the pack stage (`input.options["pack"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PackOptions {
    /// Include `symbol_contexts.json`. Default: only when a model wrote the
    /// summaries (so its prompts can be audited); facts summaries are made
    /// from what `nodes.json` and `graph.json` already hold.
    pub symbol_contexts: Option<bool>,
}

/// Whether the docpack carries `symbol_contexts.json`, given the model that
/// wrote the summaries (`None`: facts).
pub fn with_contexts(options: &PackOptions, summary_model: Option<&str>) -> bool {
    options
        .symbol_contexts
        .unwrap_or(summary_model.unwrap_or(FACTS) != FACTS)
}

/// The large inputs, read while the docpack is made: the symbols, then
/// the chunks.
pub struct Streams<'a> {
    pub symbols: &'a mut dyn Blocks<Symbol>,
    pub chunks: &'a mut dyn Blocks<ChunkFacts>,
}

/// What the writer gets: every part but the symbols, and the symbols
/// spooled (`nodes.json`).
pub struct Packed {
    pub input: DocpackInput,
    pub nodes: SpooledNodes,
}

fn invalid(e: DocpackError) -> StageFailure {
    match e {
        DocpackError::Write(_) => StageFailure::transient(e.to_string()),
        _ => StageFailure::internal(e.to_string()),
    }
}

/// Everything a docpack holds, from what the stages stored; the inputs are
/// consumed part by part, their strings moved rather than copied, and the
/// symbols spooled into `spool_dir` as they arrive.
pub fn docpack_input(
    mut inputs: PackInputs,
    streams: Streams<'_>,
    source: &SourceInfo,
    options: &PackOptions,
    spool_dir: &Path,
) -> Result<Packed, StageFailure> {
    let summary_model = inputs
        .summary_model
        .clone()
        .unwrap_or_else(|| FACTS.to_string());
    let symbol_contexts = with_contexts(options, inputs.summary_model.as_deref())
        .then(|| symbol_contexts(std::mem::take(&mut inputs.contexts), &summary_model));
    let embeddings = embeddings(&inputs).map_err(invalid)?;
    let nodes = spool_nodes(&inputs, streams.symbols, spool_dir)?;
    if let Some(docs) = &mut inputs.docs {
        docs.symbols = SymbolDocs::default();
    }
    let docs = docs(&inputs);
    inputs.context_facts = Vec::new();
    let clusters = clusters(&inputs.clusters);
    inputs.clusters.clusters = Vec::new();
    let source_map = source_map(streams.chunks, std::mem::take(&mut inputs.files))?;
    let graph = graph(std::mem::take(&mut inputs.graph));
    let (history, history_absent) = history(&mut inputs, nodes.symbols(), &graph);
    let input = DocpackInput {
        source: source.clone(),
        models: ModelInfo {
            embedding: inputs.embedding_model.clone(),
            summary: summary_model,
        },
        graph,
        clusters,
        source_map,
        docs,
        embeddings,
        symbol_contexts,
        history,
        history_absent,
        ..DocpackInput::default()
    };
    Ok(Packed { input, nodes })
}

/// The history ingest read, joined to the graph, or why there is none.
fn history(
    inputs: &mut PackInputs,
    nodes: Symbols<'_>,
    graph: &Graph,
) -> (Option<doctown_docpack::History>, Option<String>) {
    match std::mem::replace(&mut inputs.history, Err(String::new())) {
        Ok(mut h) => {
            crate::history::join_structure(&mut h, nodes, graph);
            (Some(h), None)
        }
        Err(reason) => (None, Some(reason)),
    }
}

/// The manifest's source from the job's resolved source.
pub fn source_info(resolved: Option<&ResolvedSource>, fallback_name: &str) -> SourceInfo {
    match resolved {
        Some(r) => SourceInfo {
            name: r.name.clone(),
            repo_url: r.url.clone(),
            git_ref: r.git_ref.clone(),
            commit: r.commit.clone(),
        },
        None => SourceInfo {
            name: fallback_name.to_string(),
            ..SourceInfo::default()
        },
    }
}

fn symbol_documentation(doc: SymbolDocRef<'_>) -> Documentation {
    Documentation {
        summary: doc.summary.to_string(),
        source: match doc.source {
            gen::DocSource::Model => DocSource::Model,
            gen::DocSource::Facts => DocSource::Facts,
        },
        model: doc.model.map(str::to_string),
    }
}

fn documentation(doc: &gen::Documentation) -> Documentation {
    Documentation {
        summary: doc.summary.clone(),
        source: match doc.source {
            gen::DocSource::Model => DocSource::Model,
            gen::DocSource::Facts => DocSource::Facts,
        },
        model: doc.model.clone(),
    }
}

/// What a symbol's node joins to it: its graph numbers, context facts and
/// documentation, by symbol id.
struct NodeJoins<'a> {
    graph_nodes: FxHashMap<&'a str, &'a NodeNumbers>,
    contexts: FxHashMap<&'a str, &'a ContextFacts>,
    docs: Option<&'a SymbolDocs>,
}

impl<'a> NodeJoins<'a> {
    fn new(inputs: &'a PackInputs) -> Self {
        NodeJoins {
            graph_nodes: inputs
                .graph
                .nodes
                .nodes
                .iter()
                .zip(&inputs.graph.nodes.numbers)
                .map(|(n, numbers)| (n.id.as_str(), numbers))
                .collect(),
            contexts: inputs
                .context_facts
                .iter()
                .map(|c| (c.id.as_str(), c))
                .collect(),
            docs: inputs.docs.as_ref().map(|d| &d.symbols),
        }
    }

    /// A symbol's node: the symbol moved in, with what joins to it.
    fn node(&self, s: Symbol) -> SymbolNode {
        let id = s.id.to_string();
        let node = self.graph_nodes.get(id.as_str());
        let context = self.contexts.get(id.as_str());
        SymbolNode {
            documentation: self
                .docs
                .and_then(|d| d.get(id.as_str()))
                .map(symbol_documentation),
            cluster: node.and_then(|n| n.cluster.clone()),
            centrality: node.map(|n| n.centrality).unwrap_or(0.0),
            metrics: SymbolMetrics {
                loc: context
                    .map(|c| c.loc)
                    .unwrap_or_else(|| s.span.end.line - s.span.start.line + 1),
                complexity: context.and_then(|c| c.complexity),
                in_degree: node.map(|n| n.in_degree).unwrap_or(0),
                out_degree: node.map(|n| n.out_degree).unwrap_or(0),
            },
            role: node.and_then(|n| n.role),
            unresolved_calls: node.map(|n| n.unresolved_call_count).unwrap_or(0),
            id,
            name: s.name,
            kind: s.kind,
            qualified_name: s.qualified_name,
            language: s.language,
            path: s.path,
            range: SourceRange::from(s.span),
            signature: s.signature,
            visibility: s.visibility,
            doc_comment: s.doc,
            attributes: s.attributes,
            parent: s.parent.as_ref().map(|p| p.to_string()),
            bases: s.bases,
            words: s.words,
        }
    }
}

/// The symbols, block by block, with their graph numbers, context facts
/// and documentation, serialised into a spool in `dir` on every core.
fn spool_nodes(
    inputs: &PackInputs,
    symbols: &mut dyn Blocks<Symbol>,
    dir: &Path,
) -> Result<SpooledNodes, StageFailure> {
    let joins = NodeJoins::new(inputs);
    let mut spool = NodesSpool::new(dir).map_err(invalid)?;
    symbols.each_block(&mut |block| {
        let prepared = block
            .into_par_iter()
            .map(|s| prepare(joins.node(s)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        prepared
            .into_iter()
            .try_for_each(|p| spool.push(p))
            .map_err(invalid)
    })?;
    spool.finish().map_err(invalid)
}

fn clusters(set: &asm::ClusterSet) -> Clusters {
    let method = match set.method {
        ClusterMethod::KMeans => "kmeans",
        ClusterMethod::Communities => "communities",
    };
    let clusters = set
        .clusters
        .iter()
        .map(|c| Cluster {
            id: c.id.clone(),
            label: c.label.clone(),
            method: method.to_string(),
            members: c.members.iter().map(|m| m.to_string()).collect(),
        })
        .collect();
    Clusters { clusters }
}

fn source_map(
    chunks: &mut dyn Blocks<ChunkFacts>,
    files: Vec<FileRecord>,
) -> Result<SourceMap, StageFailure> {
    let mut by_file: HashMap<String, Vec<ChunkEntry>> = HashMap::new();
    chunks.each_block(&mut |block| {
        for chunk in block {
            let entry = ChunkEntry {
                id: chunk.id,
                kind: chunk.kind,
                range: SourceRange::from(chunk.span),
                symbol_ids: chunk.symbol_id.into_iter().collect(),
                part: chunk.part.map(|(index, total)| [index, total]),
            };
            match by_file.get_mut(chunk.path.as_str()) {
                Some(list) => list.push(entry),
                None => {
                    by_file.insert(chunk.path, vec![entry]);
                }
            }
        }
        Ok(())
    })?;
    let files = files
        .into_iter()
        .map(|f| SourceFile {
            chunks: by_file.remove(f.path.as_str()).unwrap_or_default(),
            path: f.path,
            language: f.language,
            sha256: f.sha256,
            size_bytes: f.size_bytes,
            lines: f.lines,
            role: Some(f.role),
        })
        .collect();
    Ok(SourceMap { files })
}

/// The package a module's code belongs to: the one whose directory holds
/// the module most closely ([`About::package_of`], the rule generate's
/// main parts count by).
fn module_package(about: &About, path: &str) -> Option<ModulePackage> {
    let package = about.package_of(path)?;
    Some(ModulePackage {
        name: package.name.clone(),
        description: package.description.clone(),
    })
}

fn docs(inputs: &PackInputs) -> Docs {
    let Some(generated) = &inputs.docs else {
        return Docs::default();
    };
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for context in &inputs.context_facts {
        members
            .entry(node_id(&format!("mod:{}", context.module)))
            .or_default()
            .push(context.id.to_string());
    }
    let modules = generated
        .modules
        .iter()
        .map(|m| {
            let id = node_id(&m.id);
            ModuleDoc {
                symbols: members.remove(&id).unwrap_or_default(),
                id,
                name: m.path.clone(),
                path: Some(m.path.clone()),
                cluster: None,
                documentation: documentation(&m.documentation),
                code: None,
                dependencies: None,
                package: module_package(&inputs.about, &m.path),
            }
        })
        .collect();
    Docs {
        architecture: Some(ArchitectureDoc {
            documentation: documentation(&generated.architecture.documentation),
            purpose: inputs.about.purpose.as_ref().map(|p| Purpose {
                text: p.text.clone(),
                source: p.source.clone(),
            }),
        }),
        modules,
        insights: generated
            .insights
            .iter()
            .map(|i| doctown_docpack::Insight {
                family: i.family.clone(),
                source: match i.source {
                    gen::DocSource::Model => DocSource::Model,
                    gen::DocSource::Facts => DocSource::Facts,
                },
                model: i.model.clone(),
                schema: i.schema.clone(),
                answer: i.answer.clone(),
                replay: i.replay.clone(),
                error: i.error.clone(),
            })
            .collect(),
    }
}

fn embeddings(inputs: &PackInputs) -> Result<Option<Embeddings>, DocpackError> {
    let Some(vectors) = &inputs.vectors else {
        return Ok(None);
    };
    if vectors.is_empty() {
        return Ok(None);
    }
    let rows = vectors.iter().map(|(id, v)| (id.to_string(), v.to_vec()));
    Embeddings::new(vectors.dims(), rows).map(Some)
}

fn symbol_contexts(contexts: Vec<asm::SymbolContext>, model: &str) -> SymbolContexts {
    let contexts = contexts
        .into_iter()
        .map(|c| SymbolContext {
            symbol_id: c.id.to_string(),
            model: model.to_string(),
            prompt: None,
            facts: serde_json::to_value(&c).unwrap_or_default(),
        })
        .collect();
    SymbolContexts { contexts }
}
