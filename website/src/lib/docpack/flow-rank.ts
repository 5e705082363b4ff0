/**
 * The flows as the explorer presents them: the engine's flows
 * (`graph-queries.ts`, which mirrors `common/query/src/flows.rs`) with a
 * main line that keeps to the product's code, ranked so that the first one
 * is the product's main path, and near-duplicates collapsed.
 *
 * * **Auxiliary code** — tests, local-test and debug paths, examples,
 *   benchmarks, fixtures, mocks and scripts, by file path or name — weighs
 *   little: a main line avoids it, and a flow that starts in it or runs
 *   through it ranks lower.
 * * **Main line**: from the entry down the child whose subtree (in the
 *   breadth-first tree of what the entry reaches) weighs the most, a
 *   symbol weighing more the more central it is, auxiliary ones little.
 * * **Rank**: the engine's score × (1 + how central the main line is) ×
 *   a penalty for auxiliary code on the main line or at the entry.
 * * **Duplicates**: an entry that only hands off to a same-named function
 *   (`main` → `main`) is shown from that function; a flow whose shown
 *   path equals, or is a prefix of, a better one's (or the other way
 *   round) is left out.
 */

import { FLOW_MAX_DEPTH, FLOW_MAX_REACH, type Flow, type QueryGraph } from './graph-queries';
import type { SymbolSummary } from './types';

const PATH_STEPS = 8;

const AUX_DIRS = /(^|\/)(tests?|__tests__|spec|specs|testdata|test_data|testing|fixtures?|examples?|benches|bench|benchmarks?|mocks?|fakes?|debug|scripts|e2e)(\/|$)/i;
const AUX_FILE = /(^|[/_.-])(tests?|spec|bench(mark)?s?|examples?|mock|fake|debug|local[_-]?test)([_.-]|$)/i;
const AUX_NAME = /(^|_)(tests?|bench(mark)?|debug|mock|fake|example|local_test)(_|$)|^test|Test$|Mock|Fake/;

/** Whether a file path is test, example, benchmark, debug or tooling code. */
export function isAuxiliaryPath(path: string): boolean {
	const slash = path.lastIndexOf('/');
	const dir = path.slice(0, slash + 1);
	const file = path.slice(slash + 1).replace(/\.[^.]*$/, '');
	return AUX_DIRS.test(dir) || AUX_FILE.test(file);
}

/** Whether a symbol is auxiliary code: a test, or in an auxiliary file, or named like one. */
export function isAuxiliary(g: QueryGraph, i: number): boolean {
	const s = g.symbols[i];
	return g.isTest(i) || isAuxiliaryPath(s.path) || AUX_NAME.test(s.name);
}

class Scratch {
	stamp = 0;
	readonly seenAt: Int32Array;
	readonly parent: Int32Array;
	readonly weight: Float64Array;
	readonly best: Int32Array;
	constructor(n: number) {
		this.seenAt = new Int32Array(n);
		this.parent = new Int32Array(n);
		this.weight = new Float64Array(n);
		this.best = new Int32Array(n);
	}
}

/**
 * The breadth-first tree of what `entry` reaches (as the engine walks it),
 * in visiting order; `parent` of each symbol but the entry is set.
 */
function reachTree(g: QueryGraph, entry: number, w: Scratch): number[] {
	const stamp = ++w.stamp;
	const order = [entry];
	w.seenAt[entry] = stamp;
	let frontier = [entry];
	for (let step = 0; step < FLOW_MAX_DEPTH && order.length < FLOW_MAX_REACH; step++) {
		const next: number[] = [];
		for (const s of frontier) {
			for (const encoded of g.out[s]) {
				if (order.length >= FLOW_MAX_REACH) break;
				const callee = encoded >> 1;
				if (w.seenAt[callee] !== stamp && g.isSource(callee)) {
					w.seenAt[callee] = stamp;
					w.parent[callee] = s;
					order.push(callee);
					next.push(callee);
				}
			}
		}
		if (next.length === 0) break;
		frontier = next;
	}
	return order;
}

/** Most symbols counted when weighing where a call leads. */
const WEIGH_LIMIT = 2_000;

/**
 * How much product code a symbol leads into: the non-auxiliary symbols it
 * reaches (≤ {@link FLOW_MAX_DEPTH} steps, ≤ {@link WEIGH_LIMIT}), each
 * weighing more the more central it is; little when it is auxiliary itself.
 */
function leadsInto(g: QueryGraph, from: number, w: Scratch, aux: (i: number) => boolean, maxCentrality: number): number {
	const stamp = ++w.stamp;
	w.seenAt[from] = stamp;
	let frontier = [from];
	let total = 1 + Math.sqrt(g.centrality(from) / maxCentrality);
	let count = 1;
	for (let step = 0; step < FLOW_MAX_DEPTH && count < WEIGH_LIMIT; step++) {
		const next: number[] = [];
		for (const s of frontier) {
			for (const encoded of g.out[s]) {
				const c = encoded >> 1;
				if (w.seenAt[c] === stamp || !g.isSource(c) || aux(c)) continue;
				w.seenAt[c] = stamp;
				next.push(c);
				total += 1 + Math.sqrt(g.centrality(c) / maxCentrality);
				if (++count >= WEIGH_LIMIT) break;
			}
			if (count >= WEIGH_LIMIT) break;
		}
		if (next.length === 0) break;
		frontier = next;
	}
	return aux(from) ? total * 0.05 : total;
}

/**
 * The main line from `entry`: at each step, the call that leads into the
 * most product code (see {@link leadsInto}), then the most central, then
 * the first.
 */
function mainLine(g: QueryGraph, entry: number, w: Scratch, weigh: (i: number) => number): number[] {
	const path = [entry];
	const on = new Set(path);
	for (let at = entry; path.length < PATH_STEPS; ) {
		let best = -1;
		let bestWeight = -1;
		for (const encoded of g.out[at]) {
			const c = encoded >> 1;
			if (on.has(c) || !g.isSource(c)) continue;
			const weight = weigh(c);
			if (weight > bestWeight || (weight === bestWeight && g.centrality(c) > g.centrality(best))) {
				best = c;
				bestWeight = weight;
			}
		}
		if (best < 0) break;
		path.push(best);
		on.add(best);
		at = best;
	}
	return path;
}

/** The path as shown: an entry that only hands off to a same-named function is shown from it. */
export function shownPath(g: QueryGraph, path: readonly number[]): number[] {
	let from = 0;
	while (from + 1 < path.length && g.symbols[path[from]].name === g.symbols[path[from + 1]].name) from++;
	return path.slice(from);
}

/**
 * Keeps the first of items whose shown paths are equal or one a prefix of
 * the other, in the order given.
 */
export function dedupeFlows<T>(items: readonly T[], pathOf: (item: T) => readonly number[]): T[] {
	const kept: T[] = [];
	/** Every prefix of a kept path (itself included). */
	const prefixes = new Set<string>();
	const whole = new Set<string>();
	for (const item of items) {
		const p = pathOf(item);
		const key = p.join(',');
		if (prefixes.has(key)) continue;
		let covered = false;
		for (let j = 1; j < p.length && !covered; j++) covered = whole.has(p.slice(0, j).join(','));
		if (covered) continue;
		kept.push(item);
		whole.add(key);
		for (let j = 1; j <= p.length; j++) prefixes.add(p.slice(0, j).join(','));
	}
	return kept;
}

const ranked = new WeakMap<Flow[], Flow[]>();

/**
 * The flows to show, best first: each with its main line re-chosen, scored
 * as described above, and near-duplicates left out. Kept per list.
 */
export function rankFlows(g: QueryGraph, flows: Flow[]): Flow[] {
	const done = ranked.get(flows);
	if (done) return done;
	let maxCentrality = 0;
	for (let i = 0; i < g.size; i++) maxCentrality = Math.max(maxCentrality, g.centrality(i));
	maxCentrality ||= 1;
	const auxMemo = new Int8Array(g.size);
	const aux = (i: number) => (auxMemo[i] ||= isAuxiliary(g, i) ? 1 : -1) === 1;
	const w = new Scratch(g.size);
	const weights = new Map<number, number>();
	const weigh = (i: number) => {
		let v = weights.get(i);
		if (v === undefined) weights.set(i, (v = leadsInto(g, i, w, aux, maxCentrality)));
		return v;
	};
	const rescored = flows.map((f, at) => {
		let path = mainLine(g, f.entry, w, weigh);
		let shown = shownPath(g, path);
		if (shown.length < path.length) {
			// A wrapper: the line as the function it hands off to would have it, so that both compare equal.
			shown = mainLine(g, shown[0], w, weigh);
			path = [...path.slice(0, path.length - shownPath(g, path).length), ...shown];
		}
		const steps = shown.length;
		let auxSteps = 0;
		let central = 0;
		for (const s of shown) {
			if (aux(s)) auxSteps++;
			central += Math.sqrt(g.centrality(s) / maxCentrality);
		}
		const entryFactor = aux(f.entry) ? 0.3 : 1;
		const pathFactor = 1 - 0.6 * (auxSteps / steps);
		const score = f.score * entryFactor * pathFactor * (1 + central / steps);
		return { flow: { ...f, path, score } as Flow, shown, at };
	});
	// Of equal scores, an entry that hands off to a same-named function (`main` → `main`) comes first.
	rescored.sort((a, b) => b.flow.score - a.flow.score || b.flow.path.length - b.shown.length - (a.flow.path.length - a.shown.length) || a.at - b.at);
	const out = dedupeFlows(rescored, (r) => r.shown).map((r) => r.flow);
	ranked.set(flows, out);
	return out;
}

/**
 * The shortest path from a flow's entry to `target` over what it reaches
 * (the breadth-first tree), or null when the flow does not reach it.
 */
export function pathTo(g: QueryGraph, entry: number, target: number, w = new Scratch(g.size)): number[] | null {
	const order = reachTree(g, entry, w);
	if (target !== entry && !order.includes(target)) return null;
	const path = [target];
	for (let at = target; at !== entry; ) {
		at = w.parent[at];
		path.push(at);
	}
	return path.reverse();
}

/** A flow through a symbol as its panel shows it: from the entry along the path that reaches the symbol. */
export interface ShownFlow {
	key: string;
	kind: Flow['kind'];
	entry: SymbolSummary;
	/** The main line when it passes the symbol, else the shortest path from the entry to it. */
	path: SymbolSummary[];
	reach: number;
	modules: number;
}

/**
 * The flows that reach `symbolId`, best first (as {@link rankFlows} ranks
 * them), each shown along a path that contains the symbol, and flows whose
 * shown paths are the same or one a prefix of another's left out.
 */
export function flowsThroughSymbol(g: QueryGraph, flows: Flow[], symbolId: string): ShownFlow[] {
	const target = g.index.get(symbolId);
	if (target === undefined) return [];
	const through = rankFlows(g, flows).filter((f) => f.reach.includes(target));
	const w = new Scratch(g.size);
	const shown = through.map((f) => {
		const full = (f.path.includes(target) ? f.path : pathTo(g, f.entry, target, w)) ?? [f.entry, target];
		const trimmed = shownPath(g, full);
		return { f, path: trimmed.includes(target) ? trimmed : full };
	});
	return dedupeFlows(shown, (x) => x.path).map(({ f, path }) => ({
		key: `${f.entry}:${path.join(',')}`,
		kind: f.kind,
		entry: g.symbols[f.entry],
		path: path.map((s) => g.symbols[s]),
		reach: f.reach.length,
		modules: f.modules.length
	}));
}
