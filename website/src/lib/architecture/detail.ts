/**
 * What the module panel shows for a box of the architecture map: a module,
 * or a folded directory of several — sizes, overview, the modules it
 * depends on and that depend on it, clusters and most central symbols.
 */

import type { Documentation, FileRole } from '$lib/docpack/types';
import { TOP_CLUSTERS, TOP_SYMBOLS, type Architecture, type DependencyKind, type TopSymbol } from './modules';
import { relativeParts } from './units';
import { stronglyConnected } from './scc';

export interface Link {
	module: number;
	weight: number;
	kinds: Partial<Record<DependencyKind, number>>;
}

export interface BoxDetail {
	key: string;
	kind: 'module' | 'directory';
	name: string;
	path: string;
	/** Module indices. */
	modules: number[];
	symbols: number;
	files: number;
	lines: number;
	role: FileRole;
	languages: [string, number][];
	doc: Documentation | null;
	top: TopSymbol[];
	clusters: { id: string; label: string; count: number }[];
	/** Modules outside the box that it depends on, heaviest first. */
	dependsOn: Link[];
	usedBy: Link[];
}

/** The modules a key stands for: `module:…` one module, `dir:…` every module under the directory. */
export function modulesOfKey(arch: Architecture, key: string): number[] {
	if (key.startsWith('dir:')) {
		const dir = key.slice(4);
		const out: number[] = [];
		arch.modules.forEach((m, i) => relativeParts(m.path, dir === '.' ? '' : dir) && out.push(i));
		return out;
	}
	const i = arch.modules.findIndex((m) => m.id === key);
	return i >= 0 ? [i] : [];
}

export function boxDetail(arch: Architecture, key: string): BoxDetail | null {
	const modules = modulesOfKey(arch, key);
	if (modules.length === 0) return null;
	const inside = new Set(modules);
	const mods = modules.map((m) => arch.modules[m]);
	const single = key.startsWith('module:') ? mods[0] : null;
	const sum = (f: (m: (typeof mods)[number]) => number) => mods.reduce((s, m) => s + f(m), 0);
	const languages = new Map<string, number>();
	const clusters = new Map<string, { id: string; label: string; count: number }>();
	for (const m of mods) {
		for (const [lang, n] of m.languages) languages.set(lang, (languages.get(lang) ?? 0) + n);
		for (const c of m.clusters) {
			const entry = clusters.get(c.id) ?? { ...c, count: 0 };
			entry.count += c.count;
			clusters.set(c.id, entry);
		}
	}
	const dependsOn = new Map<number, Link>();
	const usedBy = new Map<number, Link>();
	const add = (map: Map<number, Link>, module: number, weight: number, kinds: Link['kinds']) => {
		const link = map.get(module) ?? { module, weight: 0, kinds: {} };
		link.weight += weight;
		for (const [k, n] of Object.entries(kinds) as [DependencyKind, number][]) link.kinds[k] = (link.kinds[k] ?? 0) + n;
		map.set(module, link);
	};
	for (const d of arch.dependencies) {
		if (inside.has(d.from) && !inside.has(d.to)) add(dependsOn, d.to, d.weight, d.kinds);
		else if (inside.has(d.to) && !inside.has(d.from)) add(usedBy, d.from, d.weight, d.kinds);
	}
	const heaviest = (map: Map<number, Link>) =>
		[...map.values()].sort((a, b) => b.weight - a.weight || (arch.modules[a.module].path < arch.modules[b.module].path ? -1 : 1));
	const path = single ? single.path : key.slice(4);
	return {
		key,
		kind: single ? 'module' : 'directory',
		name: single ? single.name : path,
		path,
		modules,
		symbols: sum((m) => m.symbols),
		files: sum((m) => m.files),
		lines: sum((m) => m.lines),
		role: mods.some((m) => m.role === 'source') ? 'source' : mods[0].role,
		languages: [...languages].sort((a, b) => b[1] - a[1]),
		doc: single ? single.doc : null,
		top: mods
			.flatMap((m) => m.top)
			.sort((a, b) => b.centrality - a.centrality)
			.slice(0, TOP_SYMBOLS),
		clusters: [...clusters.values()].sort((a, b) => b.count - a.count).slice(0, TOP_CLUSTERS),
		dependsOn: heaviest(dependsOn),
		usedBy: heaviest(usedBy)
	};
}

/** Per module: the other modules in a dependency cycle with it (empty sets for most). */
export function cycleMates(arch: Architecture): Set<number>[] {
	const adjacency: number[][] = arch.modules.map(() => []);
	for (const d of arch.dependencies) adjacency[d.from].push(d.to);
	const { of, members } = stronglyConnected(adjacency);
	return arch.modules.map((_, m) => new Set(members[of[m]].length > 1 ? members[of[m]].filter((x) => x !== m) : []));
}
