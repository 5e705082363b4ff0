/**
 * What the explorer needs from a verified docpack, indexed once: symbols by
 * id and file, edges in and out, clusters, the file tree, search and
 * (lazily) the vector index behind "similar symbols".
 */

import { buildTree, type TreeDir } from './tree';
import { VectorIndex, rowOf } from './embeddings';
import { CONFIDENT, type Cluster, type Docpack, type EdgeKind, type SymbolNode } from './types';
import { EdgeTable } from './edges';

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
	/** The graph's edges, with each node's edges out and in. */
	readonly edges: EdgeTable;
	readonly tree: TreeDir;
	readonly languages: string[];
	readonly kinds: string[];
	readonly maxCentrality: number;
	/** Built on first use (sorting 500,000 symbols is not free). */
	private rank: Map<string, number> | null = null;
	/** Lower-case names, and qualified name + NUL + path, for the search (built on first search). */
	private lowerNames: string[] | null = null;
	private lowerRest: string[] | null = null;
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
		this.edges = EdgeTable.of(docpack.graph.edges);
		const counts = new Map([...this.byFile].map(([path, list]) => [path, list.length]));
		const files = docpack.files.length
			? docpack.files
			: [...this.byFile.keys()].map((path) => ({ path, language: this.byFile.get(path)![0].language }));
		this.tree = buildTree(files, counts);
		this.languages = [...new Set(docpack.symbols.map((s) => s.language))].sort();
		this.kinds = [...new Set(docpack.symbols.map((s) => s.kind))].sort();
		let max = 0;
		for (const s of docpack.symbols) if ((s.centrality ?? 0) > max) max = s.centrality ?? 0;
		this.maxCentrality = max;
	}

	get source() {
		return this.docpack.manifest.source;
	}

	/** 1 = most central. */
	centralityRank(id: string): number | null {
		if (!this.rank) {
			const rank = new Map<string, number>();
			[...this.docpack.symbols].sort((a, b) => (b.centrality ?? 0) - (a.centrality ?? 0)).forEach((s, i) => rank.set(s.id, i + 1));
			this.rank = rank;
		}
		return this.rank.get(id) ?? null;
	}

	/** Symbols at the other end of `kind` edges (`out`: from this symbol; `in`: to it; `both`). */
	neighbours(id: string, kinds: EdgeKind[], direction: 'out' | 'in' | 'both'): Neighbour[] {
		const out: Neighbour[] = [];
		const seen = new Set<string>();
		const t = this.edges;
		const add = (edges: Int32Array, end: Int32Array) => {
			for (const i of edges) {
				const kind = t.kinds[t.kind[i]] as EdgeKind;
				if (!kinds.includes(kind)) continue;
				const other = this.byId.get(t.ids[end[i]]);
				if (!other || other.id === id || seen.has(other.id)) continue;
				seen.add(other.id);
				const confidence = t.confidence[i];
				const uncertain = !Number.isNaN(confidence) && confidence < CONFIDENT;
				out.push({ symbol: other, kind, weight: t.weight[i], uncertain });
			}
		};
		if (direction !== 'in') add(t.outOf(id), t.to);
		if (direction !== 'out') add(t.into(id), t.from);
		return out.sort(
			(a, b) => Number(a.uncertain) - Number(b.uncertain) || b.weight - a.weight || a.symbol.name.localeCompare(b.symbol.name)
		);
	}

	/** Builds what the search reads (done on first search otherwise). */
	prepareSearch(): void {
		this.search(' x');
	}

	/** Symbols matching `query` (name, then qualified name, then path), best first. */
	search(query: string, limit = 50): SymbolNode[] {
		const q = query.trim().toLowerCase();
		if (!q) return [];
		const symbols = this.docpack.symbols;
		// Lower-cased once, so that a search over 500,000 symbols allocates nothing.
		const names = (this.lowerNames ??= symbols.map((s) => s.name.toLowerCase()));
		const rest = (this.lowerRest ??= symbols.map((s) => `${s.qualified_name}\u0000${s.path}`.toLowerCase()));
		const scored: { s: SymbolNode; score: number }[] = [];
		for (let i = 0; i < symbols.length; i++) {
			const name = names[i];
			let score: number;
			const at = name.indexOf(q);
			if (at >= 0) score = name.length === q.length ? 4 : at === 0 ? 3 : 2;
			else {
				const r = rest[i].indexOf(q);
				if (r < 0) continue;
				score = r < symbols[i].qualified_name.length ? 1 : 0.5;
			}
			const s = symbols[i];
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
