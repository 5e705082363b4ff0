/**
 * The drill-down from the architecture map: the symbols of some modules and
 * of their neighbours — the symbols in other modules linked to them by a
 * confident call or reference — for a symbol graph of just that part.
 */

import type { QueryGraph } from '$lib/docpack/graph-queries';
import { moduleOf, type Architecture } from './modules';

export interface Neighbourhood {
	/** Symbol ids of the modules, most central first (at most `maxOwn`). */
	own: string[];
	/** Symbol ids of linked symbols in other modules, most links first (at most `maxNeighbours`). */
	neighbours: string[];
	/** Symbols of the modules left out by `maxOwn`. */
	omitted: number;
	/** Linked symbols left out by `maxNeighbours`. */
	omittedNeighbours: number;
}

/** The module index of every symbol of the query graph. */
export function symbolModules(g: QueryGraph, arch: Architecture): Int32Array {
	const out = new Int32Array(g.size);
	g.symbols.forEach((s, i) => (out[i] = moduleOf(arch, s)));
	return out;
}

export function neighbourhood(
	g: QueryGraph,
	modulesOfSymbols: Int32Array,
	modules: Iterable<number>,
	{ maxOwn = 1500, maxNeighbours = 300 } = {}
): Neighbourhood {
	const wanted = new Set(modules);
	const own: number[] = [];
	for (let i = 0; i < g.size; i++) if (wanted.has(modulesOfSymbols[i])) own.push(i);
	own.sort((a, b) => g.centrality(b) - g.centrality(a) || a - b);
	const kept = own.slice(0, maxOwn);
	const links = new Map<number, number>();
	for (const i of kept) {
		for (const list of [g.out[i], g.into[i]]) {
			for (const encoded of list) {
				const other = encoded >> 1;
				if (wanted.has(modulesOfSymbols[other])) continue;
				links.set(other, (links.get(other) ?? 0) + 1);
			}
		}
	}
	const neighbours = [...links.entries()]
		.sort((a, b) => b[1] - a[1] || g.centrality(b[0]) - g.centrality(a[0]) || a[0] - b[0])
		.map(([i]) => i);
	return {
		own: kept.map((i) => g.symbols[i].id),
		neighbours: neighbours.slice(0, maxNeighbours).map((i) => g.symbols[i].id),
		omitted: own.length - kept.length,
		omittedNeighbours: Math.max(0, neighbours.length - maxNeighbours)
	};
}
