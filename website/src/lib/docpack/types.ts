/**
 * The docpack format v1 (DOCPACK_SPEC.md, schemas/docpack/*.schema.json):
 * one type per JSON part. Optional fields may be absent, `null` or (lists) empty.
 */

import type { HistoryPart } from './history';

export type Language =
	| 'rust'
	| 'python'
	| 'typescript'
	| 'tsx'
	| 'javascript'
	| 'go'
	// since 1.3
	| 'java'
	| 'c'
	| 'cpp'
	| 'csharp'
	| 'ruby'
	| 'php'
	| 'kotlin'
	| 'swift'
	| 'scala'
	| 'bash'
	| 'lua'
	| 'dart'
	| 'zig'
	| 'elixir'
	| 'haskell'
	| 'ocaml'
	| 'objc'
	| 'proto'
	| 'sql'
	| 'erlang';
export type SymbolKind =
	| 'function'
	| 'method'
	| 'struct'
	| 'enum'
	| 'variant'
	| 'trait'
	| 'impl'
	| 'module'
	| 'constant'
	| 'static'
	| 'type_alias'
	| 'macro'
	| 'class'
	| 'interface'
	| 'variable'
	| 'field';
export type EdgeKind =
	| 'contains'
	| 'calls'
	| 'imports'
	| 'implements'
	| 'inherits'
	| 'related'
	| 'references'
	| 'tested_by';
/** How a call or reference edge was found (docpack 1.1). */
export type Provenance = 'scip' | 'scope' | 'import' | 'receiver_type' | 'dispatch' | 'unique_name';
/** What a file or a symbol's code is for (docpack 1.1). */
export type FileRole = 'source' | 'test' | 'fixture' | 'example' | 'bench' | 'generated' | 'vendored' | 'docs';
/** Links at or above this confidence are the ones summaries and centrality use. */
export const CONFIDENT = 0.8;
export type DocSource = 'model' | 'facts';

export interface EntryChecksum {
	name: string;
	size: number;
	sha256: string;
}

export interface Manifest {
	schema_version: string;
	docpack_id: string;
	source: { name: string; repo_url?: string | null; ref?: string | null; commit?: string | null };
	generator: { name: string; version: string };
	models: { summary: string; embedding?: string | null };
	statistics: {
		files: number;
		symbols: number;
		chunks: number;
		clusters: number;
		graph_nodes: number;
		graph_edges: number;
		modules: number;
		embeddings: number;
		embedding_dimensions?: number | null;
		languages: Record<string, { files: number; symbols: number }>;
	};
	/** Since 1.4: `history` (history.json is present) and, when there is none, why (`history_absent`). */
	parts: { embeddings: boolean; symbol_contexts: boolean; history?: boolean | null; history_absent?: string | null };
	checksum: { algorithm: string; value: string; entries: EntryChecksum[] };
}

export interface SourceRange {
	start_byte: number;
	end_byte: number;
	start_line: number;
	start_column?: number;
	end_line: number;
	end_column?: number;
}

export interface Documentation {
	summary: string;
	source: DocSource;
	model?: string | null;
}

export interface SymbolNode {
	id: string;
	name: string;
	kind: SymbolKind;
	qualified_name: string;
	language: Language;
	path: string;
	range: SourceRange;
	signature: string;
	visibility: 'public' | 'restricted' | 'private';
	doc_comment?: string | null;
	attributes?: string[] | null;
	parent?: string | null;
	bases?: string[] | null;
	documentation?: Documentation | null;
	cluster?: string | null;
	centrality?: number;
	metrics?: { loc: number; in_degree: number; out_degree: number; complexity?: number | null };
	/** 1.1: what the symbol's code is for. */
	role?: FileRole | null;
	/** 1.1: call sites that resolved to no repository symbol. */
	unresolved_calls?: number;
}

/** The fields of a symbol the page holds for every symbol: enough for the lists, the search, the graphs and the maps. */
export const SUMMARY_FIELDS = ['id', 'name', 'kind', 'qualified_name', 'language', 'path', 'visibility', 'parent', 'attributes', 'cluster', 'centrality', 'role'] as const;

/**
 * A symbol as the page holds it while the docpack is open: its
 * {@link SUMMARY_FIELDS} and its lines. The rest of its node (signature,
 * doc comment, documentation, metrics, byte range…) is its detail, read on
 * demand ({@link SymbolDetails}).
 */
export type SymbolSummary = Pick<SymbolNode, (typeof SUMMARY_FIELDS)[number]> & { range: Pick<SourceRange, 'start_line' | 'end_line'> };

/** Symbols' whole nodes by position in `nodes.json`, decoded when asked for. */
export interface SymbolDetails {
	get(indices: readonly number[]): Promise<SymbolNode[]>;
	/** The node of a symbol already decoded (kept from an earlier `get`), without waiting. */
	peek(index: number): SymbolNode | undefined;
	/** Lets go of what holds the details (the reader's worker). */
	close(): void;
}

export interface GraphNode {
	id: string;
	kind: 'symbol' | 'file' | 'module';
	name: string;
	path?: string | null;
	symbol_kind?: SymbolKind | null;
	centrality?: number | null;
}

export interface Edge {
	from: string;
	to: string;
	kind: EdgeKind;
	weight?: number;
	/** Calls, references, tested_by (1.1): how the link was found. */
	provenance?: Provenance | null;
	/** Calls, references, tested_by (1.1): 0–1; absent means certain. */
	confidence?: number | null;
}

export interface Graph {
	/** Read in the browser by `load.ts`: files and modules only (the symbols are in nodes.json). */
	nodes: GraphNode[];
	/** An array, or (read by `load.ts`) the same edges in columns. */
	edges: Edge[] | import('./edges').EdgeTable;
	metrics?: {
		edges_by_kind?: Record<string, number>;
		components?: number | null;
		density?: number;
		centrality_method?: string | null;
	};
}

export interface Cluster {
	id: string;
	label: string;
	method: string;
	members: string[];
}

export interface ChunkEntry {
	id: string;
	kind: 'symbol' | 'symbol_part' | 'file';
	range: SourceRange;
	symbol_ids?: string[] | null;
	part?: [number, number] | null;
}

export interface SourceFile {
	path: string;
	language: Language;
	sha256: string;
	size_bytes: number;
	lines: number;
	/** 1.1: what the file is for. */
	role?: FileRole | null;
	chunks: ChunkEntry[];
}

export interface ModuleDoc {
	id: string;
	name: string;
	path?: string | null;
	cluster?: string | null;
	documentation: Documentation;
	symbols?: string[] | null;
	/** Since 1.4, computed by the writer: how much code the module holds. */
	code?: ModuleCode | null;
	/** Since 1.4, computed by the writer: confident calls and imports to other modules, sorted by `module`. */
	dependencies?: ModuleDependencyDoc[] | null;
	/** Since 1.5: the package whose directory holds the module most closely. */
	package?: ModulePackageDoc | null;
}

/** A module's code (DOCPACK_SPEC.md §4.6, since 1.4). */
export interface ModuleCode {
	symbols: number;
	files: number;
	lines: number;
	/** `source` unless every file of the module has another role. */
	role: FileRole;
}

/** One module's dependency on another (DOCPACK_SPEC.md §4.6, since 1.4). */
export interface ModuleDependencyDoc {
	/** The module id depended on. */
	module: string;
	calls: number;
	imports: number;
}

/** What the repository says it is for (since 1.5): its README's first paragraph, else its manifest's description. */
export interface PurposeDoc {
	text: string;
	/** The file it was read from. */
	source: string;
}

/** The package a module's code belongs to (since 1.5). */
export interface ModulePackageDoc {
	name: string;
	description?: string | null;
}

/** One family of insights (since 1.4, with a history); `answer`'s shape depends on the family. */
export interface InsightDoc {
	family: string;
	answer: unknown;
}

export interface Docs {
	architecture?: { documentation: Documentation; purpose?: PurposeDoc | null } | null;
	modules?: ModuleDoc[] | null;
	insights?: InsightDoc[] | null;
}

export interface SymbolContext {
	symbol_id: string;
	model: string;
	prompt?: string | null;
	facts: unknown;
}

export interface Embeddings {
	dims: number;
	/** Chunk ids, strictly ascending (row order). */
	ids: string[];
	/** `ids.length × dims` floats; row `i` belongs to `ids[i]`. */
	vectors: Float32Array;
}

/** A docpack read and verified in the browser. */
export interface Docpack {
	manifest: Manifest;
	/** In `nodes.json` order; whole nodes when read at once (`readDocpack`), summaries when streamed (`loadDocpack`). */
	symbols: SymbolSummary[];
	/** The symbols' whole nodes, when `symbols` holds summaries. */
	details?: SymbolDetails;
	/** What the symbol search scans, when the reader's worker built it. */
	search?: import('./search-text').SearchText;
	graph: Graph;
	clusters: Cluster[];
	files: SourceFile[];
	docs: Docs;
	embeddings: Embeddings | null;
	symbolContexts: SymbolContext[] | null;
	/** history.json (since 1.4), or why there is none; absent on docpacks made in code (tests). */
	history?: HistoryPart;
	/** What verification found (every check passed when a Docpack is returned). */
	verification: Verification;
}

/** A docpack read at once (`readDocpack`): its symbols are whole nodes. */
export type WholeDocpack = Omit<Docpack, 'symbols'> & { symbols: SymbolNode[] };

export interface Verification {
	docpackId: string;
	entries: { name: string; size: number; sha256: string }[];
	/** Entries of a newer minor version that were verified and ignored. */
	ignored: string[];
	compressedSize: number;
	uncompressedSize: number;
}
