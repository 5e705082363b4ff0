//! From stage artifacts to docpack parts. Pure: no IO, no clock.

use crate::inputs::{ContextFacts, PackInputs};
use doctown_core::artifacts::assemble::{self as asm, ClusterMethod};
use doctown_core::artifacts::generate as gen;
use doctown_core::{Chunk, FileRecord, ResolvedSource};
use doctown_docpack::{
    ArchitectureDoc, ChunkEntry, Cluster, Clusters, DocSource, DocpackError, DocpackInput, Docs,
    Documentation, Edge, EdgeKind, Embeddings, Graph, GraphNode, ModelInfo, ModuleDoc, NodeKind,
    Nodes, SourceFile, SourceInfo, SourceMap, SourceRange, SymbolContext, SymbolContexts,
    SymbolMetrics, SymbolNode,
};
use std::collections::{BTreeMap, HashMap};

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

/// Everything a docpack holds, from what the stages stored; the inputs are
/// consumed part by part, their strings moved rather than copied.
pub fn docpack_input(
    mut inputs: PackInputs,
    source: &SourceInfo,
    options: &PackOptions,
) -> Result<DocpackInput, DocpackError> {
    let summary_model = inputs
        .summary_model
        .clone()
        .unwrap_or_else(|| FACTS.to_string());
    let symbol_contexts = with_contexts(options, inputs.summary_model.as_deref())
        .then(|| symbol_contexts(std::mem::take(&mut inputs.contexts), &summary_model));
    let embeddings = embeddings(&inputs)?;
    let docs = docs(&inputs);
    let clusters = clusters(&inputs.clusters);
    let nodes = nodes(&mut inputs);
    let source_map = source_map(
        std::mem::take(&mut inputs.chunks),
        std::mem::take(&mut inputs.files),
    );
    let graph = graph(std::mem::take(&mut inputs.graph));
    let (history, history_absent) = history(&mut inputs, &nodes, &graph);
    Ok(DocpackInput {
        source: source.clone(),
        models: ModelInfo {
            embedding: inputs.embedding_model.clone(),
            summary: summary_model,
        },
        nodes,
        graph,
        clusters,
        source_map,
        docs,
        embeddings,
        symbol_contexts,
        history,
        history_absent,
        ..DocpackInput::default()
    })
}

/// The history ingest read, joined to the graph, or why there is none.
fn history(
    inputs: &mut PackInputs,
    nodes: &Nodes,
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

fn node_id(id: &str) -> String {
    match id.strip_prefix("mod:") {
        Some(module) => format!("module:{module}"),
        None => id.to_string(),
    }
}

/// [`node_id`] of an id the caller gives up: only module ids are rewritten.
fn node_id_owned(id: String) -> String {
    if id.starts_with("mod:") {
        node_id(&id)
    } else {
        id
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

/// The symbols, moved out of `inputs`, with their graph numbers, context
/// facts and documentation.
fn nodes(inputs: &mut PackInputs) -> Nodes {
    let graph_nodes: HashMap<&str, &asm::GraphNode> = inputs
        .graph
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n))
        .collect();
    let contexts: HashMap<&str, &ContextFacts> = inputs
        .context_facts
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let docs: HashMap<&str, &gen::SymbolDoc> = inputs
        .docs
        .iter()
        .flat_map(|d| &d.symbols)
        .map(|d| (d.id.as_str(), d))
        .collect();
    let symbols = std::mem::take(&mut inputs.symbols)
        .into_iter()
        .map(|s| {
            let id = s.id.to_string();
            let node = graph_nodes.get(id.as_str());
            let context = contexts.get(id.as_str());
            SymbolNode {
                documentation: docs
                    .get(id.as_str())
                    .map(|d| documentation(&d.documentation)),
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
        })
        .collect();
    Nodes { symbols }
}

fn graph(graph: asm::AssembleGraph) -> Graph {
    let nodes = graph
        .nodes
        .into_iter()
        .map(|n| {
            let kind = match n.kind {
                asm::NodeKind::Module => NodeKind::Module,
                asm::NodeKind::File => NodeKind::File,
                asm::NodeKind::Symbol => NodeKind::Symbol,
            };
            GraphNode {
                id: node_id_owned(n.id),
                kind,
                name: n.name,
                path: Some(n.path).filter(|p| !p.is_empty()),
                symbol_kind: n.symbol_kind,
                centrality: (kind != NodeKind::Symbol).then_some(n.centrality),
            }
        })
        .collect();
    let edges = graph
        .edges
        .into_iter()
        .map(|e| Edge {
            from: node_id_owned(e.source),
            to: node_id_owned(e.target),
            kind: match e.kind {
                asm::EdgeKind::Contains => EdgeKind::Contains,
                asm::EdgeKind::Calls => EdgeKind::Calls,
                asm::EdgeKind::Imports => EdgeKind::Imports,
                asm::EdgeKind::Implements => EdgeKind::Implements,
                asm::EdgeKind::Inherits => EdgeKind::Inherits,
                asm::EdgeKind::Related => EdgeKind::Related,
                asm::EdgeKind::References => EdgeKind::References,
                asm::EdgeKind::TestedBy => EdgeKind::TestedBy,
            },
            weight: e.weight,
            provenance: e.provenance,
            confidence: e.confidence,
        })
        .collect();
    Graph {
        nodes,
        edges,
        ..Graph::default()
    }
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

fn source_map(chunks: Vec<Chunk>, files: Vec<FileRecord>) -> SourceMap {
    let mut by_file: BTreeMap<String, Vec<ChunkEntry>> = BTreeMap::new();
    for chunk in chunks {
        by_file.entry(chunk.path).or_default().push(ChunkEntry {
            id: chunk.id.to_string(),
            kind: chunk.kind,
            range: SourceRange::from(chunk.span),
            symbol_ids: chunk.symbol_id.iter().map(|s| s.to_string()).collect(),
            part: chunk.part.map(|(index, total)| [index, total]),
        });
    }
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
    SourceMap { files }
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
            }
        })
        .collect();
    Docs {
        architecture: Some(ArchitectureDoc {
            documentation: documentation(&generated.architecture.documentation),
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
