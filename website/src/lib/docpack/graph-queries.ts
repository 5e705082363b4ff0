/**
 * Graph questions answered in the browser from a loaded docpack, with the
 * semantics of the query engine (`common/query/src/impact.rs`, `flows.rs`):
 *
 * * only *confident* links: `calls` and `references` between two different
 *   symbols whose `confidence` is absent or at least {@link CONFIDENT}, and
 *   confident `tested_by` edges for tests;
 * * a symbol's module is the module whose `contains` edge points at the
 *   symbol's `file:<path>` node (else a module doc that lists the symbol);
 * * **impact**: breadth-first over reversed links from the symbol, each
 *   symbol at its shortest distance, at most `depth` steps and
 *   {@link MAX_VISITED} symbols; test code is reported as tests;
 * * **flows**: from entry points (main, route, command, handler, api), what
 *   the entry reaches (≤ {@link FLOW_MAX_DEPTH} steps, ≤ {@link FLOW_MAX_REACH}
 *   symbols), its path down the child with the largest subtree, ranked by
 *   `weight × (ln(1 + reach) + ½ × modules)`.
 *
 * Symbols are numbered by their position in `nodes.json`, as the engine
 * numbers them, so that ties break the same way.
 */

import { CONFIDENT, type Docpack, type Edge, type SymbolSummary } from './types';
import { forEachEdge } from './edges';
import { lnInt } from './ln-table';

/** Most symbols one impact walk visits. */
export const MAX_VISITED = 20_000;
/** Deepest impact walk. */
export const MAX_IMPACT_DEPTH = 10;
/** Steps a flow follows from its entry. */
export const FLOW_MAX_DEPTH = 12;
/** Symbols a flow reaches at most. */
export const FLOW_MAX_REACH = 500;
/** Flows kept per docpack, best first. */
export const MAX_FLOWS = 5_000;
const PATH_STEPS = 8;

export type Link = 'calls' | 'references';
export type EntryKind = 'main' | 'route' | 'command' | 'handler' | 'api';

const ENTRY_WEIGHT: Record<EntryKind, number> = { main: 4, route: 3, command: 3, handler: 2, api: 1 };

/** Whether an edge is one graph questions may use (structure, or a link of enough confidence). */
export function isConfident(edge: Pick<Edge, 'confidence'>): boolean {
	return edge.confidence == null || edge.confidence >= CONFIDENT;
}

/**
 * The confident graph of a docpack as adjacency lists of symbol indices.
 * A link is encoded as `index * 2 + (0 calls | 1 references)`, so that
 * sorting numerically orders by symbol, then calls before references.
 */
export class QueryGraph {
	readonly symbols: SymbolSummary[];
	readonly index = new Map<string, number>();
	/** Confident calls/references out of each symbol (encoded, sorted, unique). */
	readonly out: number[][];
	/** Confident calls/references into each symbol (encoded, sorted, unique). */
	readonly into: number[][];
	/** Per symbol: the tests that exercise it (`tested_by`). */
	readonly tests: number[][];
	/** Per symbol: its module's index in {@link modules}, or -1. */
	readonly moduleOf: Int32Array;
	readonly modules: string[];
	/** File path → the files that import it. */
	readonly importers = new Map<string, string[]>();

	constructor(docpack: Pick<Docpack, 'symbols' | 'graph' | 'docs'>) {
		const symbols = (this.symbols = docpack.symbols);
		const n = symbols.length;
		symbols.forEach((s, i) => this.index.set(s.id, i));
		const none: number[] = [];
		this.out = new Array(n).fill(none);
		this.into = new Array(n).fill(none);
		this.tests = new Array(n).fill(none);
		const add = (lists: number[][], at: number, value: number) => {
			if (lists[at] === none) lists[at] = [value];
			else lists[at].push(value);
		};

		const docModules = docpack.docs.modules ?? [];
		this.modules = docModules.map((m) => m.name);
		const moduleIndex = new Map<string, number>(docModules.map((m, i) => [m.id, i]));
		for (const node of docpack.graph.nodes) {
			if (node.kind === 'module' && !moduleIndex.has(node.id)) {
				moduleIndex.set(node.id, this.modules.length);
				this.modules.push(node.name);
			}
		}
		const moduleOfFile = new Map<string, number>();

		forEachEdge(docpack.graph.edges, (from, to, kind, confidence) => {
			if (kind === 'calls' || kind === 'references') {
				if (confidence !== null && confidence < CONFIDENT) return;
				const a = this.index.get(from);
				const b = this.index.get(to);
				if (a === undefined || b === undefined || a === b) return;
				const link = kind === 'calls' ? 0 : 1;
				add(this.out, a, b * 2 + link);
				add(this.into, b, a * 2 + link);
			} else if (kind === 'tested_by') {
				if (confidence !== null && confidence < CONFIDENT) return;
				const a = this.index.get(from);
				const b = this.index.get(to);
				if (a !== undefined && b !== undefined) add(this.tests, a, b);
			} else if (kind === 'imports') {
				if (from.startsWith('file:') && to.startsWith('file:')) {
					const target = to.slice(5);
					const list = this.importers.get(target);
					if (list) list.push(from.slice(5));
					else this.importers.set(target, [from.slice(5)]);
				}
			} else if (kind === 'contains') {
				const m = moduleIndex.get(from);
				if (m !== undefined && to.startsWith('file:')) moduleOfFile.set(to.slice(5), m);
			}
		});
		this.moduleOf = new Int32Array(n).fill(-1);
		symbols.forEach((s, i) => (this.moduleOf[i] = moduleOfFile.get(s.path) ?? -1));
		// Docpacks whose module docs list their symbols instead.
		docModules.forEach((doc, m) => {
			for (const id of doc.symbols ?? []) {
				const i = this.index.get(id);
				if (i !== undefined && this.moduleOf[i] < 0) this.moduleOf[i] = m;
			}
		});
		for (const lists of [this.out, this.into]) {
			for (let i = 0; i < n; i++) if (lists[i] !== none) lists[i] = sortedUnique(lists[i]);
		}
	}

	get size(): number {
		return this.symbols.length;
	}

	centrality(i: number): number {
		return this.symbols[i].centrality ?? 0;
	}

	/** Whether a symbol is source code (no role, or `source`). */
	isSource(i: number): boolean {
		const role = this.symbols[i].role;
		return role == null || role === 'source';
	}

	isTest(i: number): boolean {
		return this.symbols[i].role === 'test';
	}

	moduleName(i: number): string | null {
		const m = this.moduleOf[i];
		return m >= 0 ? this.modules[m] : null;
	}
}

function sortedUnique(list: number[]): number[] {
	list.sort((a, b) => a - b);
	let w = 0;
	for (let r = 0; r < list.length; r++) if (r === 0 || list[r] !== list[r - 1]) list[w++] = list[r];
	list.length = w;
	return list;
}

const linkOf = (encoded: number): Link => (encoded & 1 ? 'references' : 'calls');
const symOf = (encoded: number): number => encoded >> 1;

const graphs = new WeakMap<object, QueryGraph>();

/** The query graph of a docpack, built once. */
export function queryGraph(docpack: Docpack): QueryGraph {
	let graph = graphs.get(docpack);
	if (!graph) graphs.set(docpack, (graph = new QueryGraph(docpack)));
	return graph;
}

// ---------------------------------------------------------------- impact

export interface Affected {
	symbol: SymbolSummary;
	/** Steps from the target, 1-based. */
	depth: number;
	/** How it reaches the next symbol towards the target. */
	via: Link;
}

export interface Impact {
	target: SymbolSummary;
	depth: number;
	/** Affected symbols (tests excluded) at each depth, 1-based; trailing zeros trimmed. */
	byDepth: number[];
	/** Every affected symbol, nearest first, then most central. */
	affected: Affected[];
	/** Tests that reach the target (directly or through affected code), most central first. */
	tests: SymbolSummary[];
	/** Modules with affected symbols, most first. */
	modules: { name: string; count: number }[];
	/** Files that import the target's file. */
	importingFiles: string[];
	/** The walk stopped at {@link MAX_VISITED} symbols. */
	truncated: boolean;
}

/**
 * What reaches `targets` through reversed confident links, up to `depth`
 * steps: `[symbol, depth, link]` in breadth-first order, and whether the
 * walk was cut short.
 */
export function reach(g: QueryGraph, targets: number[], depth: number): { reached: [number, number, Link][]; truncated: boolean } {
	const seen = new Set<number>(targets);
	const queue: [number, number][] = targets.map((t) => [t, 0]);
	const reached: [number, number, Link][] = [];
	for (let head = 0; head < queue.length; head++) {
		const [s, d] = queue[head];
		if (d >= depth) continue;
		for (const encoded of g.into[s]) {
			const caller = symOf(encoded);
			if (seen.has(caller)) continue;
			seen.add(caller);
			if (seen.size > MAX_VISITED) return { reached, truncated: true };
			reached.push([caller, d + 1, linkOf(encoded)]);
			queue.push([caller, d + 1]);
		}
	}
	return { reached, truncated: false };
}

/** The impact of changing the symbol `targetId`; null when the docpack has no such symbol. */
export function impact(g: QueryGraph, targetId: string, depth = 3): Impact | null {
	const target = g.index.get(targetId);
	if (target === undefined) return null;
	depth = Math.min(MAX_IMPACT_DEPTH, Math.max(1, Math.floor(depth)));
	const { reached, truncated } = reach(g, [target], depth);
	const affected: [number, number, Link][] = [];
	let tests: number[] = [...g.tests[target]];
	for (const item of reached) {
		const s = item[0];
		if (g.isTest(s)) tests.push(s);
		else {
			affected.push(item);
			for (const t of g.tests[s]) tests.push(t);
		}
	}
	tests = sortedUnique(tests);
	const byDepth = new Array<number>(depth).fill(0);
	const modules = new Map<string, number>();
	for (const [s, d] of affected) {
		byDepth[d - 1]++;
		const m = g.moduleName(s);
		if (m !== null) modules.set(m, (modules.get(m) ?? 0) + 1);
	}
	while (byDepth.length > 1 && byDepth[byDepth.length - 1] === 0) byDepth.pop();
	affected.sort((a, b) => a[1] - b[1] || g.centrality(b[0]) - g.centrality(a[0]) || a[0] - b[0]);
	tests.sort((a, b) => g.centrality(b) - g.centrality(a));
	return {
		target: g.symbols[target],
		depth,
		byDepth,
		affected: affected.map(([s, d, via]) => ({ symbol: g.symbols[s], depth: d, via })),
		tests: tests.map((t) => g.symbols[t]),
		modules: [...modules]
			.map(([name, count]) => ({ name, count }))
			.sort((a, b) => b.count - a.count || compareStrings(a.name, b.name)),
		importingFiles: [...(g.importers.get(g.symbols[target].path) ?? [])],
		truncated
	};
}

// ---------------------------------------------------------------- flows

/** A flow as computed and kept (symbol indices). */
export interface Flow {
	entry: number;
	kind: EntryKind;
	/** Every symbol reached (the entry included), ascending. */
	reach: Int32Array;
	/** From the entry down the flow's main line. */
	path: number[];
	/** Module indices, in the order the walk meets them. */
	modules: number[];
	score: number;
}

/** A flow as the explorer shows it. */
export interface FlowView {
	/** The path's names joined by ` → `. */
	name: string;
	kind: EntryKind;
	entry: SymbolSummary;
	path: SymbolSummary[];
	/** Symbols the flow reaches, the entry included. */
	reach: number;
	modules: string[];
	score: number;
}

const ROUTE_MARKERS = ['route(', '.get(', '.post(', '.put(', '.delete(', '.patch(', 'api_view', '#[get(', '#[post('];

/** Why symbol `i` is an entry point, if it is one. */
export function entryKind(g: QueryGraph, i: number): EntryKind | null {
	const s = g.symbols[i];
	if ((s.kind !== 'function' && s.kind !== 'method') || !g.isSource(i)) return null;
	if (s.name === 'main' && s.kind === 'function') return 'main';
	const attrs = (s.attributes ?? []).join(' ').toLowerCase();
	if (ROUTE_MARKERS.some((r) => attrs.includes(r))) return 'route';
	if (attrs.includes('command') || attrs.includes('#[tokio::main]')) return 'command';
	const into = g.into[i];
	if (into.some((c) => linkOf(c) === 'calls' && g.isSource(symOf(c)))) return null;
	if (into.some((c) => linkOf(c) === 'references' && g.isSource(symOf(c)))) return 'handler';
	return s.visibility === 'public' && g.out[i].length >= 2 ? 'api' : null;
}

/** Scratch arrays one flow walk after another reuses (stamped, so never cleared). */
class WalkScratch {
	stamp = 0;
	readonly seenAt: Int32Array;
	readonly parent: Int32Array;
	readonly size: Int32Array;
	readonly best: Int32Array;
	readonly moduleAt: Int32Array;

	constructor(n: number, modules: number) {
		this.seenAt = new Int32Array(n);
		this.parent = new Int32Array(n);
		this.size = new Int32Array(n);
		this.best = new Int32Array(n);
		this.moduleAt = new Int32Array(Math.max(1, modules));
	}
}

/** The flow from one entry; null when it reaches nothing. */
function walk(g: QueryGraph, entry: number, kind: EntryKind, w: WalkScratch): Flow | null {
	const stamp = ++w.stamp;
	const { seenAt, parent, size, best } = w;
	const order = [entry];
	seenAt[entry] = stamp;
	let frontier = [entry];
	for (let step = 0; step < FLOW_MAX_DEPTH; step++) {
		const next: number[] = [];
		for (const s of frontier) {
			for (const encoded of g.out[s]) {
				if (order.length >= FLOW_MAX_REACH) break;
				const callee = symOf(encoded);
				if (seenAt[callee] !== stamp && g.isSource(callee)) {
					seenAt[callee] = stamp;
					parent[callee] = s;
					order.push(callee);
					next.push(callee);
				}
			}
		}
		if (next.length === 0 || order.length >= FLOW_MAX_REACH) break;
		frontier = next;
	}
	if (order.length < 2) return null;
	// Subtree sizes in the breadth-first tree, leaves first.
	for (const s of order) {
		size[s] = 1;
		best[s] = -1;
	}
	for (let k = order.length - 1; k >= 1; k--) size[parent[order[k]]] += size[order[k]];
	// Each symbol's child with the largest subtree, then the most central, then the first.
	for (let k = 1; k < order.length; k++) {
		const c = order[k];
		const up = parent[c];
		const b = best[up];
		if (b < 0) {
			best[up] = c;
			continue;
		}
		const bySize = size[c] - size[b];
		const byCentrality = g.centrality(c) - g.centrality(b);
		if (bySize > 0 || (bySize === 0 && (byCentrality > 0 || (byCentrality === 0 && c < b)))) best[up] = c;
	}
	const path = [entry];
	for (let at = best[entry]; at >= 0 && path.length < PATH_STEPS; at = best[at]) path.push(at);
	const modules: number[] = [];
	for (const s of order) {
		const m = g.moduleOf[s];
		if (m >= 0 && w.moduleAt[m] !== stamp) {
			w.moduleAt[m] = stamp;
			modules.push(m);
		}
	}
	const reachList = Int32Array.from(order).sort();
	const score = ENTRY_WEIGHT[kind] * (lnInt(1 + reachList.length) + 0.5 * modules.length);
	return { entry, kind, reach: reachList, path, modules, score };
}

/** Every flow of the graph, best first (at most {@link MAX_FLOWS}). */
export function computeFlows(g: QueryGraph): Flow[] {
	const flows: Flow[] = [];
	const scratch = new WalkScratch(g.size, g.modules.length);
	for (let i = 0; i < g.size; i++) {
		const flow = flowFrom(g, i, scratch);
		if (flow) flows.push(flow);
	}
	return rank(g, flows);
}

function flowFrom(g: QueryGraph, i: number, scratch: WalkScratch): Flow | null {
	const kind = entryKind(g, i);
	return kind ? walk(g, i, kind, scratch) : null;
}

function rank(g: QueryGraph, flows: Flow[]): Flow[] {
	flows.sort(
		(a, b) =>
			b.score - a.score ||
			compareStrings(g.symbols[a.entry].qualified_name, g.symbols[b.entry].qualified_name) ||
			a.entry - b.entry
	);
	if (flows.length > MAX_FLOWS) flows.length = MAX_FLOWS;
	return flows;
}

const flowCache = new WeakMap<QueryGraph, Flow[]>();
const flowsUnderWay = new WeakMap<QueryGraph, Promise<Flow[]>>();

/** The flows of a graph, computed on first use and kept. */
export function allFlows(g: QueryGraph): Flow[] {
	let flows = flowCache.get(g);
	if (!flows) flowCache.set(g, (flows = computeFlows(g)));
	return flows;
}

/** Whether the flows of `g` are already computed. */
export function flowsReady(g: QueryGraph): boolean {
	return flowCache.has(g);
}

/**
 * The flows of a graph, computed on first use in slices of a few
 * milliseconds between which the page stays responsive, and kept.
 */
export function flowsInBackground(g: QueryGraph, sliceMs = 12): Promise<Flow[]> {
	const done = flowCache.get(g);
	if (done) return Promise.resolve(done);
	let underWay = flowsUnderWay.get(g);
	if (underWay) return underWay;
	underWay = new Promise<Flow[]>((resolve) => {
		const flows: Flow[] = [];
		const scratch = new WalkScratch(g.size, g.modules.length);
		let i = 0;
		const slice = () => {
			const until = performance.now() + sliceMs;
			do {
				for (const stop = Math.min(g.size, i + 256); i < stop; i++) {
					const flow = flowFrom(g, i, scratch);
					if (flow) flows.push(flow);
				}
			} while (i < g.size && performance.now() < until);
			if (i < g.size) {
				setTimeout(slice, 0);
				return;
			}
			const ranked = flowCache.get(g) ?? rank(g, flows);
			flowCache.set(g, ranked);
			flowsUnderWay.delete(g);
			resolve(ranked);
		};
		slice();
	});
	flowsUnderWay.set(g, underWay);
	return underWay;
}

export function viewFlow(g: QueryGraph, f: Flow): FlowView {
	const path = f.path.map((s) => g.symbols[s]);
	return {
		name: path.map((s) => s.name).join(' → '),
		kind: f.kind,
		entry: g.symbols[f.entry],
		path,
		reach: f.reach.length,
		modules: f.modules.slice(0, 8).map((m) => g.modules[m]),
		score: Math.round(f.score * 1000) / 1000
	};
}

/** The flows whose reach contains `symbolId` (all flows when null), best first. */
export function flowsThrough(g: QueryGraph, symbolId: string | null, kind?: EntryKind): FlowView[] {
	const through = symbolId === null ? undefined : g.index.get(symbolId);
	if (symbolId !== null && through === undefined) return [];
	return allFlows(g)
		.filter((f) => (!kind || f.kind === kind) && (through === undefined || binarySearch(f.reach, through)))
		.map((f) => viewFlow(g, f));
}

function binarySearch(list: Int32Array, value: number): boolean {
	let lo = 0;
	let hi = list.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (list[mid] === value) return true;
		if (list[mid] < value) lo = mid + 1;
		else hi = mid - 1;
	}
	return false;
}

/** Strings in code point order (what the engine's byte-wise UTF-8 order amounts to). */
export function compareStrings(a: string, b: string): number {
	if (a === b) return 0;
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) {
		const x = a.charCodeAt(i);
		const y = b.charCodeAt(i);
		if (x === y) continue;
		const sx = x >= 0xd800 && x <= 0xdfff;
		const sy = y >= 0xd800 && y <= 0xdfff;
		// Surrogates (astral code points) sort after every other UTF-16 unit in code point order.
		if (sx !== sy) return sx ? 1 : -1;
		return x - y;
	}
	return a.length - b.length;
}
