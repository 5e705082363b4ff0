/**
 * The hotspot map's layout: a squarified treemap (Bruls, Huizing and van
 * Wijk, 2000) — cells in rows along the shorter side of what is left, a row
 * growing while its cells' worst aspect ratio improves — and the map's
 * cells: modules (directories down to the history's module depth) holding
 * their living files, area = lines at head, heat = commits × centrality.
 */

import type { History } from '$lib/docpack/history';

export interface Rect {
	x: number;
	y: number;
	w: number;
	h: number;
}

/** The worst aspect ratio of a row of areas laid along a side. */
function worst(row: number[], side: number): number {
	const total = row.reduce((a, b) => a + b, 0);
	const max = Math.max(...row);
	const min = Math.min(...row);
	return Math.max((side * side * max) / (total * total), (total * total) / (side * side * min));
}

/** Lays a row along the shorter side of `r`; returns the rest of `r`. */
function layRow(row: number[], r: Rect, out: Rect[]): Rect {
	const total = row.reduce((a, b) => a + b, 0);
	if (r.w >= r.h) {
		// A column at the left.
		const w = total / r.h;
		let y = r.y;
		row.forEach((a, i) => {
			const h = i === row.length - 1 ? r.y + r.h - y : a / w;
			out.push({ x: r.x, y, w, h });
			y += h;
		});
		return { x: r.x + w, y: r.y, w: r.w - w, h: r.h };
	}
	const h = total / r.w;
	let x = r.x;
	row.forEach((a, i) => {
		const w = i === row.length - 1 ? r.x + r.w - x : a / h;
		out.push({ x, y: r.y, w, h });
		x += w;
	});
	return { x: r.x, y: r.y + h, w: r.w, h: r.h - h };
}

/**
 * Squarified layout of `values` (> 0) in `rect`: one rectangle per value,
 * in the order given (the caller sorts, largest first, for the best
 * ratios), each of area proportional to its value, together tiling `rect`.
 */
export function squarify(values: number[], rect: Rect): Rect[] {
	const total = values.reduce((a, b) => a + b, 0);
	if (values.length === 0 || total <= 0 || rect.w <= 0 || rect.h <= 0) return values.map(() => ({ x: rect.x, y: rect.y, w: 0, h: 0 }));
	const scale = (rect.w * rect.h) / total;
	const areas = values.map((v) => v * scale);
	const out: Rect[] = [];
	let r = rect;
	let row: number[] = [];
	for (let i = 0; i < areas.length; i++) {
		const side = Math.min(r.w, r.h);
		if (row.length === 0 || worst([...row, areas[i]], side) <= worst(row, side)) {
			row.push(areas[i]);
			continue;
		}
		r = layRow(row, r, out);
		row = [areas[i]];
	}
	if (row.length) layRow(row, r, out);
	return out;
}

export interface MapFile {
	path: string;
	lines: number;
	commits: number;
	centrality: number;
	heat: number;
}

export interface MapModule {
	/** The directory (`""`: files at the repository's root). */
	path: string;
	lines: number;
	commits: number;
	centrality: number;
	heat: number;
	files: MapFile[];
}

/** The directory of a path cut to `depth` components (`""` at the root). */
export function moduleOf(path: string, depth: number): string {
	const parts = path.split('/').slice(0, -1);
	return parts.slice(0, Math.max(1, depth)).join('/');
}

/**
 * The map's modules and files, largest first: living text files with lines
 * at head. Heat is commits × centrality: the hotspot's centrality when the
 * history was joined to the graph (`basis: structure`), else the docpack's
 * (`centrality(path)`, e.g. its most central symbol's), else 1.
 */
export function hotspotCells(history: History, centrality: (path: string) => number | undefined = () => undefined): MapModule[] {
	const structure = history.hotspots.basis === 'structure';
	const fileSpot = new Map(history.hotspots.files.map((h) => [h.name, h]));
	const moduleSpot = new Map(history.hotspots.modules.map((h) => [h.name, h]));
	const depth = history.ownership.module_depth;
	const modules = new Map<string, MapModule>();
	for (const f of history.files) {
		if (!f.alive || f.binary || !f.lines) continue;
		const spot = fileSpot.get(f.path);
		const c = structure ? (spot?.centrality ?? 0) : (centrality(f.path) ?? 1);
		const file = { path: f.path, lines: f.lines, commits: f.commits, centrality: c, heat: f.commits * c };
		const key = moduleOf(f.path, depth);
		let m = modules.get(key);
		if (!m) modules.set(key, (m = { path: key, lines: 0, commits: 0, centrality: 0, heat: 0, files: [] }));
		m.files.push(file);
		m.lines += file.lines;
	}
	const commitsOf = new Map(history.modules.map((m) => [m.path, m.commits]));
	for (const m of modules.values()) {
		m.files.sort((a, b) => b.lines - a.lines || a.path.localeCompare(b.path));
		const spot = moduleSpot.get(m.path);
		m.commits = commitsOf.get(m.path) ?? Math.max(...m.files.map((f) => f.commits));
		// The files' line-weighted mean, as the history weighs a module's centrality by its files' sizes.
		m.centrality = structure ? (spot?.centrality ?? 0) : m.files.reduce((n, f) => n + f.centrality * f.lines, 0) / m.lines;
		m.heat = m.commits * m.centrality;
	}
	return [...modules.values()].sort((a, b) => b.lines - a.lines || a.path.localeCompare(b.path));
}

/**
 * A heat's colour: the theme's `--bad` mixed into the panel, in proportion
 * to the square root of heat / max (so that one huge hotspot does not wash
 * out the rest), at most 45% (text on it keeps its contrast in both themes).
 */
export function heatShare(heat: number, max: number): number {
	if (!(max > 0) || !(heat > 0)) return 0;
	return Math.round(45 * Math.sqrt(Math.min(1, heat / max)));
}

export function heatColour(heat: number, max: number): string {
	return `color-mix(in srgb, var(--bad) ${heatShare(heat, max)}%, var(--panel))`;
}
