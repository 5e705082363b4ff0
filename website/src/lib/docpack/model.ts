/**
 * What the explorer needs from a verified docpack, indexed once: symbols by
 * id and file, edges in and out, clusters, the file tree, search and
 * (lazily) the vector index behind "similar symbols".
 */

import { buildTree, type TreeDir } from './tree';
import { VectorIndex, rowOf } from './embeddings';
import { CONFIDENT, type Cluster, type Docpack, type Edge, type EdgeKind, type SymbolNode } from './types';

export interface Neighbour {
	symbol: SymbolNode;
	kind: EdgeKind;
	weight: number;
	/** Below the confidence threshold (docpack 1.1): a guess, not a fact. */
	uncertain: boolean;
}

export class DocpackModel {
	readonly byId = new Map<string, SymbolNode>();
	readonly byFile = new Map<string, SymbolNode[]>();
	readonly clusters = new Map<string, Cluster>();
	readonly outgoing = new Map<string, Edge[]>();
	readonly incoming = new Map<string, Edge[]>();
	readonly tree: TreeDir;
	readonly languages: string[];
	readonly kinds: string[];
	readonly maxCentrality: number;
	private readonly rank = new Map<string, number>();
	private vectors: VectorIndex | null | undefined;

	constructor(readonly docpack: Docpack) {
		for (const s of docpack.symbols) {
			this.byId.set(s.id, s);
			const list = this.byFile.get(s.path);
			if (list) list.push(s);
			else this.byFile.set(s.path, [s]);
		}
		for (const list of this.byFile.values()) list.sort((a, b) => a.range.start_line - b.range.start_line);
		for (const c of docpack.clusters) this.clusters.set(c.id, c);
		for (const e of docpack.graph.edges) {
			push(this.outgoing, e.from, e);
			push(this.incoming, e.to, e);
		}
		const counts = new Map([...this.byFile].map(([path, list]) => [path, list.length]));
		const files = docpack.files.length
			? docpack.files
			: [...this.byFile.keys()].map((path) => ({ path, language: this.byFile.get(path)![0].language }));
		this.tree = buildTree(files, counts);
		this.languages = [...new Set(docpack.symbols.map((s) => s.language))].sort();
		this.kinds = [...new Set(docpack.symbols.map((s) => s.kind))].sort();
		const byCentrality = [...docpack.symbols].sort((a, b) => (b.centrality ?? 0) - (a.centrality ?? 0));
		byCentrality.forEach((s, i) => this.rank.set(s.id, i + 1));
		this.maxCentrality = byCentrality[0]?.centrality ?? 0;
	}

	get source() {
		return this.docpack.manifest.source;
	}

	/** 1 = most central. */
	centralityRank(id: string): number | null {
		return this.rank.get(id) ?? null;
	}

	/** Symbols at the other end of `kind` edges (`out`: from this symbol; `in`: to it; `both`). */
	neighbours(id: string, kinds: EdgeKind[], direction: 'out' | 'in' | 'both'): Neighbour[] {
		const out: Neighbour[] = [];
		const seen = new Set<string>();
		const add = (edges: Edge[] | undefined, end: 'from' | 'to') => {
			for (const e of edges ?? []) {
				if (!kinds.includes(e.kind)) continue;
				const other = this.byId.get(e[end]);
				if (!other || other.id === id || seen.has(other.id)) continue;
				seen.add(other.id);
				const uncertain = e.confidence != null && e.confidence < CONFIDENT;
				out.push({ symbol: other, kind: e.kind, weight: e.weight ?? 1, uncertain });
			}
		};
		if (direction !== 'in') add(this.outgoing.get(id), 'to');
		if (direction !== 'out') add(this.incoming.get(id), 'from');
		return out.sort(
			(a, b) => Number(a.uncertain) - Number(b.uncertain) || b.weight - a.weight || a.symbol.name.localeCompare(b.symbol.name)
		);
	}

	/** Symbols matching `query` (name, then qualified name, then path), best first. */
	search(query: string, limit = 50): SymbolNode[] {
		const q = query.trim().toLowerCase();
		if (!q) return [];
		const scored: { s: SymbolNode; score: number }[] = [];
		for (const s of this.docpack.symbols) {
			const name = s.name.toLowerCase();
			let score: number;
			if (name === q) score = 4;
			else if (name.startsWith(q)) score = 3;
			else if (name.includes(q)) score = 2;
			else if (s.qualified_name.toLowerCase().includes(q)) score = 1;
			else if (s.path.toLowerCase().includes(q)) score = 0.5;
			else continue;
			scored.push({ s, score: score + (s.centrality ?? 0) });
		}
		scored.sort((a, b) => b.score - a.score || a.s.name.localeCompare(b.s.name));
		return scored.slice(0, limit).map((x) => x.s);
	}

	get hasEmbeddings(): boolean {
		return this.docpack.embeddings !== null;
	}

	/** The `k` symbols nearest by embedding (mean of each symbol's chunk vectors). */
	similar(id: string, k = 8): { symbol: SymbolNode; score: number }[] {
		const index = this.vectorIndex();
		if (!index) return [];
		return index
			.nearest(id, k)
			.map(({ key, score }) => ({ symbol: this.byId.get(key)!, score }))
			.filter((x) => x.symbol);
	}

	private vectorIndex(): VectorIndex | null {
		if (this.vectors !== undefined) return this.vectors;
		const embeddings = this.docpack.embeddings;
		if (!embeddings) return (this.vectors = null);
		const groups = new Map<string, number[]>();
		for (const file of this.docpack.files) {
			for (const chunk of file.chunks) {
				const row = rowOf(embeddings, chunk.id);
				if (row < 0) continue;
				for (const sid of chunk.symbol_ids ?? []) push(groups, sid, row);
			}
		}
		return (this.vectors = new VectorIndex(embeddings.dims, groups, embeddings.vectors));
	}
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
	const list = map.get(key);
	if (list) list.push(value);
	else map.set(key, [value]);
}
