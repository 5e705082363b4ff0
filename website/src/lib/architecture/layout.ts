/**
 * A layered layout of a dependency graph, for the architecture map:
 *
 * 1. strongly connected components (Tarjan) — each cycle becomes one node
 *    of the condensation, a DAG;
 * 2. longest-path layering of the condensation: a component's level is the
 *    longest chain of dependencies below it, so foundations are at the
 *    bottom and every arrow between components points down; the members of
 *    a cycle share their component's layer, side by side — a large one as a
 *    block of rows of its own, its members in an order that leaves few
 *    arrows pointing back (greedy feedback arc set, Eades–Lin–Smyth), which
 *    are flagged; nodes with no dependency either way get a layer of their
 *    own at the bottom;
 * 3. barycentre ordering within layers (sweeps down and up), keeping the
 *    members of a cycle together and the boxes of a directory group
 *    together;
 * 4. coordinates: box width by code size (√ of the share of the largest),
 *    layers wrapped into rows no wider than `maxRowWidth`, rows centred;
 *    arrows as cubic curves from the bottom of a box to the top of the box
 *    it depends on, with ports spread along the box edges.
 *
 * Pure: numbers in, geometry out (no DOM), so it is tested directly.
 */

import { stronglyConnected } from './scc';

export interface LayoutNode {
	/** Code size (symbols or lines): the box's width grows with its square root. */
	size: number;
	/** Directory group ('' for none): boxes of a group stay together in a layer. */
	group: string;
	/** Tie-breaker for the initial order (a name). */
	key: string;
}

export interface LayoutEdge {
	/** Node indices: `from` depends on `to`. */
	from: number;
	to: number;
	weight: number;
}

export interface LayoutOptions {
	boxHeight: number;
	minWidth: number;
	maxWidth: number;
	gapX: number;
	gapY: number;
	maxRowWidth: number;
	padding: number;
	/** Space above each row for group labels (when there are groups). */
	groupLabel: number;
	sweeps: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
	boxHeight: 44,
	minWidth: 96,
	maxWidth: 210,
	gapX: 26,
	gapY: 64,
	maxRowWidth: 1500,
	padding: 24,
	groupLabel: 18,
	sweeps: 6
};

export interface PlacedBox {
	node: number;
	x: number;
	y: number;
	width: number;
	height: number;
	/** 0 = top layer. */
	layer: number;
	row: number;
	/** Component (index into {@link Layout.components}). */
	component: number;
	/** Whether the node is part of a dependency cycle. */
	inCycle: boolean;
}

export interface PlacedEdge {
	from: number;
	to: number;
	weight: number;
	/** Both ends in one cycle. */
	cyclic: boolean;
	/** An arrow of a large cycle pointing back against its members' order (what closes the cycle). */
	feedback: boolean;
	/** SVG path data. */
	path: string;
	/** Start and end points. */
	start: { x: number; y: number };
	end: { x: number; y: number };
}

export interface Band {
	group: string;
	row: number;
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface Cycle {
	/** Node indices, ascending. */
	members: number[];
	/** One outline per row the cycle occupies. */
	outlines: { x: number; y: number; width: number; height: number }[];
}

/** Cycles larger than this get rows of their own, members ordered against feedback. */
export const SIDE_BY_SIDE = 3;

/**
 * An order of a strongly connected component's members with few edges
 * pointing back (Eades, Lin and Smyth's greedy heuristic): sinks go last,
 * sources first, otherwise the member with the most more edges out than in.
 */
export function feedbackOrder(component: number[], out: number[][], into: number[][]): number[] {
	const inside = new Set(component);
	const outDeg = new Map<number, number>();
	const inDeg = new Map<number, number>();
	for (const v of component) {
		outDeg.set(v, out[v].filter((w) => inside.has(w) && w !== v).length);
		inDeg.set(v, into[v].filter((w) => inside.has(w) && w !== v).length);
	}
	const left: number[] = [];
	const right: number[] = [];
	const remaining = new Set(component);
	const remove = (v: number) => {
		remaining.delete(v);
		for (const w of out[v]) if (remaining.has(w)) inDeg.set(w, inDeg.get(w)! - 1);
		for (const w of into[v]) if (remaining.has(w)) outDeg.set(w, outDeg.get(w)! - 1);
	};
	while (remaining.size) {
		let progressed = true;
		while (progressed) {
			progressed = false;
			for (const v of [...remaining].sort((a, b) => a - b)) {
				if (!remaining.has(v)) continue;
				if (outDeg.get(v) === 0) {
					right.unshift(v);
					remove(v);
					progressed = true;
				} else if (inDeg.get(v) === 0) {
					left.push(v);
					remove(v);
					progressed = true;
				}
			}
		}
		if (!remaining.size) break;
		let best = -1;
		for (const v of remaining) {
			if (best < 0) best = v;
			const d = outDeg.get(v)! - inDeg.get(v)!;
			const bd = outDeg.get(best)! - inDeg.get(best)!;
			if (d > bd || (d === bd && v < best)) best = v;
		}
		left.push(best);
		remove(best);
	}
	return [...left, ...right];
}

export interface Layout {
	width: number;
	height: number;
	/** Indexed by node. */
	boxes: PlacedBox[];
	edges: PlacedEdge[];
	/** Component of each node, as members. */
	components: number[][];
	/** Components of more than one node, largest first. */
	cycles: Cycle[];
	bands: Band[];
	/** Number of layers (the last one holds unconnected nodes when there are any). */
	layers: number;
	rows: number;
	/** Node indices of each layer, left to right (after wrapping: row by row). */
	order: number[][];
	/** Whether the last layer holds the nodes without dependencies either way. */
	unconnectedLayer: boolean;
}

/** The width of a box for `size`, given the largest size. */
export function boxWidth(size: number, maxSize: number, o: LayoutOptions = DEFAULT_LAYOUT): number {
	const share = maxSize > 0 ? Math.sqrt(Math.max(0, size) / maxSize) : 0;
	return Math.round(o.minWidth + (o.maxWidth - o.minWidth) * share);
}

export function layoutLayers(nodes: LayoutNode[], edges: LayoutEdge[], options: Partial<LayoutOptions> = {}): Layout {
	const o = { ...DEFAULT_LAYOUT, ...options };
	const n = nodes.length;

	// Unique edges between distinct nodes, weights summed.
	const weights = new Map<number, number>();
	for (const e of edges) {
		if (e.from === e.to || e.from < 0 || e.to < 0 || e.from >= n || e.to >= n) continue;
		const key = e.from * n + e.to;
		weights.set(key, (weights.get(key) ?? 0) + e.weight);
	}
	const out: number[][] = Array.from({ length: n }, () => []);
	const into: number[][] = Array.from({ length: n }, () => []);
	for (const key of [...weights.keys()].sort((a, b) => a - b)) {
		const a = Math.floor(key / n);
		const b = key % n;
		out[a].push(b);
		into[b].push(a);
	}

	// 1. Components; Tarjan lists dependencies first.
	const { of, members } = stronglyConnected(out);

	// Members of a large cycle in an order that leaves few edges pointing back.
	const feedback = new Set<number>();
	const items: number[][] = members.map((component) => {
		if (component.length <= SIDE_BY_SIDE) return component;
		const order = feedbackOrder(component, out, into);
		const at = new Map(order.map((v, i) => [v, i]));
		for (const v of component) for (const w of out[v]) if (at.has(w) && at.get(w)! < at.get(v)!) feedback.add(v * n + w);
		return order;
	});
	const itemOf = of;

	// 2. Longest-path levels of the condensation.
	const level = new Int32Array(members.length);
	members.forEach((component, c) => {
		let best = -1;
		for (const v of component) for (const w of out[v]) if (of[w] !== c) best = Math.max(best, level[of[w]]);
		level[c] = best + 1;
	});
	const isolated = (v: number) => out[v].length === 0 && into[v].length === 0;
	const hasUnconnected = n > 0 && nodes.some((_, v) => isolated(v)) && nodes.some((_, v) => !isolated(v));
	const loose = (item: number[]) => hasUnconnected && item.length === 1 && isolated(item[0]);
	const maxLevel = Math.max(0, ...items.map((item, i) => (loose(item) ? 0 : level[i])));
	const layerCount = n === 0 ? 0 : maxLevel + 1 + (hasUnconnected ? 1 : 0);
	const componentLayer = items.map((item, i) => (loose(item) ? maxLevel + 1 : maxLevel - level[i]));

	// 3. Ordering: initial order by group, then key.
	const groupOf = (c: number) => nodes[items[c][0]].group;
	const keyOf = (c: number) => nodes[items[c][0]].key;
	const layers: number[][] = Array.from({ length: layerCount }, () => []);
	items.forEach((_, c) => layers[componentLayer[c]].push(c));
	for (const layer of layers) layer.sort((a, b) => compare(groupOf(a), groupOf(b)) || compare(keyOf(a), keyOf(b)));

	// Normalised position of every node in its layer (0..1).
	const position = new Float64Array(n);
	const place = (layer: number[]) => {
		let count = 0;
		for (const c of layer) count += items[c].length;
		let i = 0;
		for (const c of layer) for (const v of items[c]) position[v] = (i++ + 0.5) / Math.max(1, count);
	};
	layers.forEach(place);
	const nodeLayer = (v: number) => componentLayer[itemOf[v]];

	const sortLayer = (l: number, useAbove: boolean) => {
		const layer = layers[l];
		const centre = new Map<number, number>();
		for (const c of layer) {
			let sum = 0;
			let count = 0;
			for (const v of items[c]) {
				for (const w of [...out[v], ...into[v]]) {
					const lw = nodeLayer(w);
					if (lw === l || (useAbove ? lw > l : lw < l)) continue;
					sum += position[w];
					count++;
				}
			}
			const own = items[c].reduce((s, v) => s + position[v], 0) / items[c].length;
			centre.set(c, count ? sum / count : own);
		}
		// Groups stay together, placed at their members' mean centre.
		const groupCentre = new Map<string, { sum: number; count: number }>();
		for (const c of layer) {
			const g = groupCentre.get(groupOf(c)) ?? { sum: 0, count: 0 };
			g.sum += centre.get(c)!;
			g.count++;
			groupCentre.set(groupOf(c), g);
		}
		const gc = (c: number) => {
			const g = groupCentre.get(groupOf(c))!;
			return g.sum / g.count;
		};
		const index = new Map(layer.map((c, i) => [c, i]));
		layer.sort(
			(a, b) =>
				gc(a) - gc(b) ||
				compare(groupOf(a), groupOf(b)) ||
				centre.get(a)! - centre.get(b)! ||
				index.get(a)! - index.get(b)!
		);
		place(layer);
	};
	for (let sweep = 0; sweep < o.sweeps; sweep++) {
		if (sweep % 2 === 0) for (let l = 1; l < layerCount; l++) sortLayer(l, false);
		else for (let l = layerCount - 2; l >= 0; l--) sortLayer(l, true);
	}

	// 4. Coordinates, wrapping layers into rows.
	const maxSize = Math.max(0, ...nodes.map((v) => v.size));
	const width = nodes.map((v) => boxWidth(v.size, maxSize, o));
	const grouped = nodes.some((v) => v.group !== '');
	const rowsOfLayer: number[][][] = layers.map((layer) => {
		const rows: number[][] = [[]];
		let used = 0;
		const breakRow = () => {
			if (rows[rows.length - 1].length) {
				rows.push([]);
				used = 0;
			}
		};
		for (const c of layer) {
			const big = items[c].length > SIDE_BY_SIDE;
			if (big) breakRow();
			for (const v of items[c]) {
				const w = width[v] + (rows[rows.length - 1].length ? o.gapX : 0);
				if (rows[rows.length - 1].length && used + w > o.maxRowWidth) {
					rows.push([]);
					used = 0;
				}
				used += rows[rows.length - 1].length ? width[v] + o.gapX : width[v];
				rows[rows.length - 1].push(v);
			}
			if (big) breakRow();
		}
		if (!rows[rows.length - 1].length && rows.length > 1) rows.pop();
		return rows;
	});
	const allRows = rowsOfLayer.flat();
	const rowWidth = (row: number[]) => row.reduce((s, v) => s + width[v], 0) + Math.max(0, row.length - 1) * o.gapX;
	const contentWidth = Math.max(0, ...allRows.map(rowWidth));
	const rowHeight = o.boxHeight + o.gapY + (grouped ? o.groupLabel : 0);
	const boxes: PlacedBox[] = new Array(n);
	let rowIndex = 0;
	rowsOfLayer.forEach((rows, l) => {
		for (const row of rows) {
			let x = o.padding + (contentWidth - rowWidth(row)) / 2;
			const y = o.padding + (grouped ? o.groupLabel : 0) + rowIndex * rowHeight;
			for (const v of row) {
				boxes[v] = { node: v, x, y, width: width[v], height: o.boxHeight, layer: l, row: rowIndex, component: of[v], inCycle: members[of[v]].length > 1 };
				x += width[v] + o.gapX;
			}
			rowIndex++;
		}
	});
	const totalWidth = contentWidth + 2 * o.padding;
	const totalHeight = rowIndex === 0 ? 2 * o.padding : o.padding * 2 + rowIndex * rowHeight - o.gapY;

	// Arrows, with ports spread along the box edges in the order of the other end.
	const placedEdges: PlacedEdge[] = [];
	const outPorts = new Map<number, number[]>();
	const inPorts = new Map<number, number[]>();
	const pairs = [...weights.entries()].sort((a, b) => a[0] - b[0]);
	for (const [key] of pairs) {
		const a = Math.floor(key / n);
		const b = key % n;
		(outPorts.get(a) ?? outPorts.set(a, []).get(a)!).push(b);
		(inPorts.get(b) ?? inPorts.set(b, []).get(b)!).push(a);
	}
	const cx = (v: number) => boxes[v].x + boxes[v].width / 2;
	for (const list of [...outPorts.values(), ...inPorts.values()]) list.sort((p, q) => cx(p) - cx(q) || p - q);
	const port = (v: number, list: number[], other: number) => {
		const k = list.indexOf(other);
		const span = boxes[v].width * 0.6;
		return boxes[v].x + boxes[v].width / 2 - span / 2 + (span * (k + 1)) / (list.length + 1);
	};
	for (const [key, weight] of pairs) {
		const a = Math.floor(key / n);
		// (key is a * n + b, as the feedback set's keys.)
		const b = key % n;
		const s = boxes[a];
		const t = boxes[b];
		const sx = port(a, outPorts.get(a)!, b);
		const tx = port(b, inPorts.get(b)!, a);
		let start: { x: number; y: number };
		let end: { x: number; y: number };
		let path: string;
		if (s.row === t.row) {
			// Side by side (members of a cycle): an arc above, left to right; below, right to left.
			const above = s.x < t.x;
			const sy = above ? s.y : s.y + s.height;
			const ty = above ? t.y : t.y + t.height;
			const bulge = Math.min(o.gapY * 0.8, 16 + Math.abs(tx - sx) * 0.12) * (above ? -1 : 1);
			start = { x: sx, y: sy };
			end = { x: tx, y: ty };
			path = `M${r(sx)},${r(sy)} C${r(sx)},${r(sy + bulge)} ${r(tx)},${r(ty + bulge)} ${r(tx)},${r(ty)}`;
		} else {
			const down = s.row < t.row;
			const sy = down ? s.y + s.height : s.y;
			const ty = down ? t.y : t.y + t.height;
			const mid = (sy + ty) / 2;
			start = { x: sx, y: sy };
			end = { x: tx, y: ty };
			path = `M${r(sx)},${r(sy)} C${r(sx)},${r(mid)} ${r(tx)},${r(mid)} ${r(tx)},${r(ty)}`;
		}
		placedEdges.push({ from: a, to: b, weight, cyclic: of[a] === of[b], feedback: feedback.has(key), path, start, end });
	}

	// Cycle outlines, one per row.
	const cycles: Cycle[] = members
		.filter((m) => m.length > 1)
		.sort((x, y) => y.length - x.length || x[0] - y[0])
		.map((m) => {
			const byRow = new Map<number, PlacedBox[]>();
			for (const v of m) (byRow.get(boxes[v].row) ?? byRow.set(boxes[v].row, []).get(boxes[v].row)!).push(boxes[v]);
			const outlines = [...byRow.values()].map((list) => {
				const x0 = Math.min(...list.map((b) => b.x)) - 8;
				const x1 = Math.max(...list.map((b) => b.x + b.width)) + 8;
				const y0 = list[0].y - 8;
				return { x: x0, y: y0, width: x1 - x0, height: o.boxHeight + 16 };
			});
			return { members: m, outlines };
		});

	// Directory bands: runs of neighbouring boxes of one group in a row.
	const bands: Band[] = [];
	if (grouped) {
		for (const row of allRows) {
			let start = 0;
			for (let i = 1; i <= row.length; i++) {
				if (i < row.length && nodes[row[i]].group === nodes[row[start]].group) continue;
				const first = boxes[row[start]];
				const last = boxes[row[i - 1]];
				if (nodes[row[start]].group !== '') {
					bands.push({
						group: nodes[row[start]].group,
						row: first.row,
						x: first.x - 6,
						y: first.y - o.groupLabel - 4,
						width: last.x + last.width - first.x + 12,
						height: o.boxHeight + o.groupLabel + 10
					});
				}
				start = i;
			}
		}
	}

	return {
		width: totalWidth,
		height: totalHeight,
		boxes,
		edges: placedEdges,
		components: members,
		cycles,
		bands,
		layers: layerCount,
		rows: rowIndex,
		order: allRows,
		unconnectedLayer: hasUnconnected
	};
}

const r = (x: number) => Math.round(x * 10) / 10;

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
