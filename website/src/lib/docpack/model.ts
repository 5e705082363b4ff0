/**
 * What the explorer needs from a verified docpack, indexed once: symbols by
 * id and file, edges in and out, clusters, the file tree, search and
 * (lazily) the vector index behind "similar symbols".
 */

import { buildTree, type TreeDir } from './tree';
import { VectorIndex, rowOf } from './embeddings';
import { CONFIDENT, type Cluster, type Docpack, type EdgeKind, type SymbolNode, type SymbolSummary } from './types';
import { EdgeTable } from './edges';
import { SearchTextBuilder, queryWords, type SearchText } from './search-text';

/** Query words that say nothing about code. */
const STOP_WORDS = new Set(['the', 'an', 'of', 'to', 'in', 'on', 'for', 'and', 'or', 'with', 'by', 'is', 'it', 'its', 'as', 'at', 'be', 'this', 'that', 'from', 'how', 'what', 'where', 'which', 'does', 'do', 'can', 'when']);

export interface Neighbour {
	symbol: SymbolSummary;
	kind: EdgeKind;
	weight: number;
	/** Below the confidence threshold (docpack 1.1): a guess, not a fact. */
	uncertain: boolean;
}

/** Symbols by id: each symbol's position in `nodes.json`, and its summary. */
export class SymbolIndex {
	constructor(
		private readonly symbols: readonly SymbolSummary[],
		readonly positions: Map<string, number>
	) {}

	get(id: string): SymbolSummary | undefined {
		const i = this.positions.get(id);
		return i === undefined ? undefined : this.symbols[i];
	}

	has(id: string): boolean {
		return this.positions.has(id);
	}

	get size(): number {
		return this.positions.size;
	}
}

/** Symbols indexed per slice of work: the page paints between two. */
const SLICE = 5_000;

export class DocpackModel {
	readonly byId: SymbolIndex;
	readonly byFile: Map<string, SymbolSummary[]>;
	readonly clusters = new Map<string, Cluster>();
	/** The graph's edges, with each node's edges out and in. */
	readonly edges: EdgeTable;
	readonly tree: TreeDir;
	readonly languages: string[];
	readonly kinds: string[];
	readonly maxCentrality: number;
	/** Built on first use (sorting 500,000 symbols is not free). */
	private rank: Map<string, number> | null = null;
	/** Posted by the reader's worker, or built on the first search (or by {@link prepareSearch}). */
	private searchText: SearchText | null;
	private vectors: VectorIndex | null | undefined;

	/** Indexes the docpack in one go (see {@link DocpackModel.build} for a large one). */
	constructor(
		readonly docpack: Docpack,
		prepared?: SymbolIndexing
	) {
		const symbols = docpack.symbols;
		if (!prepared) {
			prepared = new SymbolIndexing();
			prepared.add(symbols, 0, symbols.length);
		}
		this.byId = new SymbolIndex(symbols, prepared.positions);
		this.searchText = docpack.search ?? null;
		this.byFile = prepared.byFile;
		for (const list of this.byFile.values()) list.sort((a, b) => a.range.start_line - b.range.start_line);
		for (const c of docpack.clusters) this.clusters.set(c.id, c);
		this.edges = EdgeTable.of(docpack.graph.edges);
		const counts = new Map([...this.byFile].map(([path, list]) => [path, list.length]));
		const files = docpack.files.length
			? docpack.files
			: [...this.byFile.keys()].map((path) => ({ path, language: this.byFile.get(path)![0].language }));
		this.tree = buildTree(files, counts);
		this.languages = [...prepared.languages].sort();
		this.kinds = [...prepared.kinds].sort();
		this.maxCentrality = prepared.maxCentrality;
	}

	/** Indexes a large docpack in slices, letting the page paint between them. */
	static async build(docpack: Docpack, pause: () => Promise<void>): Promise<DocpackModel> {
		const prepared = new SymbolIndexing();
		for (let from = 0; from < docpack.symbols.length; from += SLICE) {
			prepared.add(docpack.symbols, from, Math.min(docpack.symbols.length, from + SLICE));
			await pause();
		}
		return new DocpackModel(docpack, prepared);
	}

	get source() {
		return this.docpack.manifest.source;
	}

	/** The whole nodes of these symbols (signature, documentation, metrics…), in the order asked; unknown ids are left out. */
	async details(ids: readonly string[]): Promise<SymbolNode[]> {
		const positions = ids.map((id) => this.byId.positions.get(id)).filter((i) => i !== undefined);
		if (this.docpack.details) return this.docpack.details.get(positions);
		// Read at once: the symbols are whole nodes.
		return positions.map((i) => this.docpack.symbols[i] as SymbolNode);
	}

	/** The whole node of a symbol if it is at hand (read at once, or decoded before), without waiting. */
	detailNow(id: string): SymbolNode | undefined {
		const i = this.byId.positions.get(id);
		if (i === undefined) return undefined;
		return this.docpack.details ? this.docpack.details.peek(i) : (this.docpack.symbols[i] as SymbolNode);
	}

	/** The whole node of a symbol, or null. */
	async detail(id: string): Promise<SymbolNode | null> {
		return (await this.details([id]))[0] ?? null;
	}

	/** Lets go of what holds the details (the reader's worker). */
	close(): void {
		this.docpack.details?.close();
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

	/** Builds what the search reads, in slices (done at once on the first search otherwise). */
	async prepareSearch(pause: () => Promise<void> = async () => {}): Promise<void> {
		if (this.searchText) return;
		const builder = new SearchTextBuilder();
		const symbols = this.docpack.symbols;
		for (let i = 0; i < symbols.length; i++) {
			builder.add(symbols[i]);
			if (i % SLICE === SLICE - 1) await pause();
		}
		this.searchText ??= builder.finish();
	}

	/** Symbols matching `query` (name, then qualified name, then path; then, with `words`, by what they say), best first. */
	search(query: string, limit = 50, { words = true }: { words?: boolean } = {}): SymbolSummary[] {
		const q = query.trim().toLowerCase().replaceAll('\u0000', '');
		if (!q) return [];
		const symbols = this.docpack.symbols;
		const text = (this.searchText ??= buildSearchText(symbols));
		const scored: { s: SymbolSummary; score: number }[] = [];
		const named = new Uint8Array(symbols.length);
		// Name matches: the first in each name (the one nearest its start).
		for (let at = text.names.indexOf(q); at >= 0; ) {
			const k = entryAt(text.nameAt, at);
			const start = text.nameAt[k];
			const length = text.nameAt[k + 1] - 1 - start;
			if (at + q.length <= start + length) {
				named[k] = 1;
				const score = length === q.length ? 4 : at === start ? 3 : 2;
				scored.push({ s: symbols[k], score: score + (symbols[k].centrality ?? 0) });
				at = text.names.indexOf(q, text.nameAt[k + 1]);
			} else at = text.names.indexOf(q, at + 1);
		}
		// Then the qualified name or the path of the others.
		for (let at = text.rest.indexOf(q); at >= 0; ) {
			const k = entryAt(text.restAt, at);
			const start = text.restAt[k];
			if (!named[k] && at + q.length < text.restAt[k + 1]) {
				const score = at - start < text.qualifiedLength[k] ? 1 : 0.5;
				scored.push({ s: symbols[k], score: score + (symbols[k].centrality ?? 0) });
				at = text.rest.indexOf(q, text.restAt[k + 1]);
			} else at = text.rest.indexOf(q, at + 1);
		}
		if (words) this.wordMatches(query, scored);
		scored.sort((a, b) => b.score - a.score || a.s.name.localeCompare(b.s.name));
		const seen = new Set<string>();
		return scored.filter((x) => !seen.has(x.s.id) && seen.add(x.s.id)).slice(0, limit).map((x) => x.s);
	}

	/** Whether the search reads what symbols say (their words), not only their names. */
	get searchesWords(): boolean {
		return (this.searchText ??= buildSearchText(this.docpack.symbols)).words !== undefined;
	}

	/**
	 * Symbols by what they say: each query word (a prefix of a symbol's
	 * word) weighs by how rare it is (IDF); a symbol scores the share of the
	 * query's weight it holds, times two, and half again the share its name
	 * holds — below a whole-name match (4), above a match in a path (0.5)
	 * when most of the query is there. Code that is not source (tests,
	 * examples) keeps 0.8 of it, as the server's search ranks it lower too.
	 */
	private wordMatches(query: string, scored: { s: SymbolSummary; score: number }[]): void {
		const text = this.searchText!;
		if (!text.words || !text.wordsAt) return;
		const terms = [...new Set(queryWords(query))].filter((w) => !STOP_WORDS.has(w));
		if (!terms.length) return;
		const symbols = this.docpack.symbols;
		const n = symbols.length;
		const weight = new Float64Array(n);
		const inName = new Float64Array(n);
		let total = 0;
		for (const term of terms) {
			const hits: number[] = [];
			const needle = ` ${term}`;
			for (let at = text.words.indexOf(needle); at >= 0; ) {
				const k = entryAt(text.wordsAt, at);
				hits.push(k);
				at = text.words.indexOf(needle, text.wordsAt[k + 1]);
			}
			if (!hits.length) continue;
			const idf = Math.log(1 + n / hits.length);
			total += idf;
			for (const k of hits) weight[k] += idf;
			for (let at = text.names.indexOf(term); at >= 0; ) {
				const k = entryAt(text.nameAt, at);
				inName[k] += idf;
				at = text.names.indexOf(term, text.nameAt[k + 1]);
			}
		}
		if (total === 0) return;
		for (let k = 0; k < n; k++) {
			const share = weight[k] / total;
			if (share < 0.5 && !(terms.length === 1 && share > 0)) continue;
			const role = symbols[k].role == null || symbols[k].role === 'source' ? 1 : 0.8;
			scored.push({ s: symbols[k], score: role * (2 * share + (0.5 * Math.min(inName[k], weight[k])) / total) + (symbols[k].centrality ?? 0) });
		}
	}

	get hasEmbeddings(): boolean {
		return this.docpack.embeddings !== null;
	}

	/** The `k` symbols nearest by embedding (mean of each symbol's chunk vectors). */
	similar(id: string, k = 8): { symbol: SymbolSummary; score: number }[] {
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

/** What the model indexes over every symbol, a slice at a time. */
class SymbolIndexing {
	readonly positions = new Map<string, number>();
	readonly byFile = new Map<string, SymbolSummary[]>();
	readonly languages = new Set<string>();
	readonly kinds = new Set<string>();
	maxCentrality = 0;

	add(symbols: readonly SymbolSummary[], from: number, to: number): void {
		for (let i = from; i < to; i++) {
			const s = symbols[i];
			if (!this.positions.has(s.id)) this.positions.set(s.id, i);
			const list = this.byFile.get(s.path);
			if (list) list.push(s);
			else this.byFile.set(s.path, [s]);
			this.languages.add(s.language);
			this.kinds.add(s.kind);
			if ((s.centrality ?? 0) > this.maxCentrality) this.maxCentrality = s.centrality ?? 0;
		}
	}
}

/** The entry of `starts` (ascending start offsets) that holds offset `at`. */
function entryAt(starts: Int32Array, at: number): number {
	let lo = 0;
	let hi = starts.length - 2;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (starts[mid] <= at) lo = mid;
		else hi = mid - 1;
	}
	return lo;
}

function buildSearchText(symbols: readonly SymbolSummary[]): SearchText {
	const builder = new SearchTextBuilder();
	for (const s of symbols) builder.add(s);
	return builder.finish();
}
