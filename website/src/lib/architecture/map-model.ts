/**
 * What the architecture map draws for a scope: the boxes (units), their
 * layered layout, and the words that go with them (accessible labels,
 * arrow titles, the cycles listed). Pure, so the component stays a view.
 */

import { clusterColor } from '$lib/graph';
import type { Architecture, DependencyKind } from './modules';
import { layoutLayers, type Layout } from './layout';
import { unitView, type Unit, type UnitView } from './units';

export type SizeBy = 'symbols' | 'lines';

export interface MapModel {
	view: UnitView;
	layout: Layout;
	/** Per unit: the key the map and the URL use (`module:…` for a module, `dir:…` for a folded directory). */
	keys: string[];
	/** Group → colour. */
	groupColors: Map<string, string>;
	/** Per unit: what it depends on and what depends on it (unit indices, heaviest first). */
	dependsOn: number[][];
	usedBy: number[][];
}

export interface MapOptions {
	scope: string;
	sizeBy: SizeBy;
	/** Show modules that are not source code (tests, examples, …). */
	showAll: boolean;
	maxUnits?: number;
}

/** The key of a box: its module id, or `dir:` and the directory for a folded one. */
export function unitKey(arch: Architecture, unit: Unit): string {
	return unit.module !== null ? arch.modules[unit.module].id : `dir:${unit.key}`;
}

export function buildMap(arch: Architecture, o: MapOptions): MapModel {
	const view = unitView(arch, {
		scope: o.scope,
		maxUnits: o.maxUnits ?? 80,
		// A module without symbols (a directory of configuration) says nothing on the map.
		include: (m) => arch.modules[m].symbols > 0 && (o.showAll || arch.modules[m].role === 'source')
	});
	readableLabels(view.units);
	const layout = layoutLayers(
		view.units.map((u) => ({ size: o.sizeBy === 'lines' ? u.lines : u.symbols, group: u.group, key: u.key })),
		view.dependencies
	);
	const groups = [...new Set(view.units.map((u) => u.group).filter((g) => g))].sort();
	const groupColors = new Map(groups.map((g, i) => [g, clusterColor(i)]));
	const dependsOn: number[][] = view.units.map(() => []);
	const usedBy: number[][] = view.units.map(() => []);
	const byWeight = [...view.dependencies].sort((a, b) => b.weight - a.weight);
	for (const d of byWeight) {
		dependsOn[d.from].push(d.to);
		usedBy[d.to].push(d.from);
	}
	return { view, layout, keys: view.units.map((u) => unitKey(arch, u)), groupColors, dependsOn, usedBy };
}

/** Path segments that only say "code is here": a box named `cli/src` is the `cli` box. */
const FILLER = new Set(['src', 'lib', 'source', 'sources', 'pkg', 'internal']);

/** A unit's label without filler segments (`cli/src/commands` → `cli/commands`), when something is left. */
export function meaningfulLabel(label: string): string {
	const parts = label.split('/');
	const kept = parts.filter((p) => !FILLER.has(p));
	return kept.length ? kept.join('/') : label;
}

/** Labels without filler segments, except where two boxes would then read the same. */
export function readableLabels(units: Unit[]): void {
	const short = units.map((u) => meaningfulLabel(u.label));
	const count = new Map<string, number>();
	for (const s of short) count.set(s, (count.get(s) ?? 0) + 1);
	units.forEach((u, i) => {
		if (count.get(short[i]) === 1) u.label = short[i];
	});
}

/**
 * Dependencies implied by others (transitive reduction): `a → c` when `a`
 * reaches `c` through another box as well. The map draws the rest, so the
 * layers read as a stack instead of a hairball; a selected box still shows
 * every dependency of its own. Edge indices.
 */
export function impliedEdges(edges: { from: number; to: number; weight?: number }[], count: number): Set<number> {
	const out: number[][] = Array.from({ length: count }, () => []);
	edges.forEach((e, i) => e.from !== e.to && out[e.from].push(i));
	const implied = new Set<number>();
	const seen = new Int32Array(count).fill(-1);
	// Lightest first, each one left out only while the others still reach its target: reachability never changes.
	const order = edges.map((_, i) => i).sort((a, b) => (edges[a].weight ?? 0) - (edges[b].weight ?? 0) || a - b);
	for (const i of order) {
		const e = edges[i];
		if (e.from === e.to) continue;
		seen[e.from] = i;
		const stack = [e.from];
		let reached = false;
		while (stack.length && !reached) {
			const v = stack.pop()!;
			for (const j of out[v]) {
				if (j === i || implied.has(j)) continue;
				const w = edges[j].to;
				if (w === e.to) {
					reached = true;
					break;
				}
				if (seen[w] !== i) {
					seen[w] = i;
					stack.push(w);
				}
			}
		}
		if (reached) implied.add(i);
	}
	return implied;
}

/** Fits a name into `width` pixels: the last path segment is kept whole where it fits (`…/commands`), else its start. */
export function fitPath(text: string, width: number, charWidth = 7.4): string {
	const max = Math.max(3, Math.floor(width / charWidth));
	if (text.length <= max) return text;
	const last = text.slice(text.lastIndexOf('/') + 1);
	if (last.length + 2 <= max && last.length < text.length) return `…/${last}`;
	return `${last.slice(0, max - 1)}…`;
}

const KIND_WORDS: Record<DependencyKind, [string, string]> = {
	calls: ['call', 'calls'],
	imports: ['import', 'imports']
};

/** "3 calls, 1 import". */
export function kindsText(kinds: Partial<Record<DependencyKind, number>>): string {
	return (Object.entries(kinds) as [DependencyKind, number][])
		.sort((a, b) => b[1] - a[1])
		.map(([k, n]) => `${n.toLocaleString('en-US')} ${KIND_WORDS[k][n === 1 ? 0 : 1]}`)
		.join(', ');
}

/** A compact count: 950, 9.5k, 12k, 1.2M. */
export function compact(n: number): string {
	if (n < 1000) return String(n);
	if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k`;
	if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
	return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** The text a box shows under its name. */
export function unitCaption(unit: Unit, sizeBy: SizeBy): string {
	const size = sizeBy === 'lines' ? `${compact(unit.lines)} lines` : `${compact(unit.symbols)} symbol${unit.symbols === 1 ? '' : 's'}`;
	const parts = [size];
	if (unit.module === null) parts.push(`${unit.modules.length} modules`);
	if (unit.role !== 'source') parts.push(unit.role);
	return parts.join(' · ');
}

/**
 * What a screen reader says for a box: what the box shows (`shown`, its
 * possibly shortened name, then its caption), then what it is and its links.
 */
export function unitDescription(map: MapModel, index: number, sizeBy: SizeBy, shown?: { name: string; caption: string }): string {
	const unit = map.view.units[index];
	const names = (list: number[]) => list.map((i) => map.view.units[i].label);
	const parts = [`${shown?.name ?? unit.label} ${shown?.caption ?? unitCaption(unit, sizeBy)}`, `${unit.module === null ? 'directory' : 'module'} ${unit.key}`];
	const box = map.layout.boxes[index];
	if (box?.inCycle) parts.push('in a dependency cycle');
	const deps = map.dependsOn[index];
	const users = map.usedBy[index];
	parts.push(deps.length ? `depends on ${names(deps).join(', ')}` : 'depends on nothing here');
	if (users.length) parts.push(`used by ${names(users).join(', ')}`);
	return parts.join('; ');
}

/** Fits a name into `width` pixels of ~7 px characters (an ellipsis when cut). */
export function fitLabel(text: string, width: number, charWidth = 7): string {
	const max = Math.max(3, Math.floor(width / charWidth));
	if (text.length <= max) return text;
	// Keep the end of a path: the last directory says most.
	return `…${text.slice(text.length - max + 1)}`;
}

/** The box to move to from `index` with an arrow key, in reading order of the layout. */
export function neighbourBox(layout: Layout, index: number, key: string): number {
	const rows = layout.order;
	const box = layout.boxes[index];
	if (!box) return index;
	const row = rows[box.row];
	const at = row.indexOf(index);
	const centre = (i: number) => layout.boxes[i].x + layout.boxes[i].width / 2;
	const nearest = (list: number[]) =>
		list.reduce((best, i) => (Math.abs(centre(i) - centre(index)) < Math.abs(centre(best) - centre(index)) ? i : best), list[0]);
	switch (key) {
		case 'ArrowLeft':
			return row[Math.max(0, at - 1)];
		case 'ArrowRight':
			return row[Math.min(row.length - 1, at + 1)];
		case 'Home':
			return row[0];
		case 'End':
			return row[row.length - 1];
		case 'ArrowUp':
			return box.row > 0 ? nearest(rows[box.row - 1]) : index;
		case 'ArrowDown':
			return box.row < rows.length - 1 ? nearest(rows[box.row + 1]) : index;
		default:
			return index;
	}
}
