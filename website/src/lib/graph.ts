/**
 * The symbol graph shown in the explorer: a graphology graph of the
 * docpack's symbols (files and modules are left out), coloured by cluster,
 * sized by centrality, with clusters seeded apart so the force layout starts
 * close to its result.
 */

import Graph from 'graphology';
import type { DocpackModel } from './docpack/model';
import type { Edge, EdgeKind } from './docpack/types';
import { forEachEdge } from './docpack/edges';

export interface NodeAttributes {
	x: number;
	y: number;
	size: number;
	color: string;
	label: string;
	cluster: string | null;
}

export interface EdgeAttributes {
	kind: EdgeKind;
	color: string;
	size: number;
	type: 'arrow' | 'line';
}

export const EDGE_STYLES: Record<EdgeKind, { color: string; size: number; type: 'arrow' | 'line'; label: string }> = {
	calls: { color: '#5b6b86', size: 1, type: 'arrow', label: 'calls' },
	implements: { color: '#f59e0b', size: 1.4, type: 'arrow', label: 'implements' },
	inherits: { color: '#fb923c', size: 1.4, type: 'arrow', label: 'inherits' },
	imports: { color: '#22d3ee', size: 0.8, type: 'arrow', label: 'imports' },
	related: { color: '#a855f7', size: 0.6, type: 'line', label: 'related (similar)' },
	contains: { color: '#2b3a55', size: 0.5, type: 'line', label: 'contains' },
	references: { color: '#64748b', size: 0.8, type: 'arrow', label: 'references (callbacks)' },
	tested_by: { color: '#22c55e', size: 0.6, type: 'arrow', label: 'tested by' }
};

/** When two symbols are linked by several kinds, the edge shows the first of these. */
const PRIORITY: EdgeKind[] = ['calls', 'references', 'implements', 'inherits', 'imports', 'tested_by', 'contains', 'related'];

const UNCLUSTERED = '#94a3b8';

/** A distinct colour per cluster index (golden-angle hues), as hex. */
export function clusterColor(index: number): string {
	const hue = (index * 137.508) % 360;
	return hslToHex(hue, 0.68, 0.6);
}

function hslToHex(h: number, s: number, l: number): string {
	const k = (n: number) => (n + h / 30) % 12;
	const a = s * Math.min(l, 1 - l);
	const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
	return '#' + [f(0), f(8), f(4)].map((v) => Math.round(v * 255).toString(16).padStart(2, '0')).join('');
}

/** A stable pseudo-random number in [0, 1) from a string. */
function unit(text: string, salt: number): number {
	let h = 2166136261 ^ salt;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
	h ^= h >>> 15;
	h = Math.imul(h, 2246822507);
	h ^= h >>> 13;
	return (h >>> 0) / 4294967296;
}

/**
 * A symbol's name as the graph labels it: with its owner when it has one
 * (`Cx::text`, `Session.get`), since a bare `get` or `new` says nothing.
 */
export function graphLabel(s: { name: string; qualified_name: string }): string {
	const q = s.qualified_name || s.name;
	const sep = q.includes('::') ? '::' : '.';
	const parts = q.split(sep).filter(Boolean);
	if (parts.length < 2 || parts[parts.length - 1] !== s.name) return s.name;
	const owner = parts[parts.length - 2];
	// A module or file owner (lower case, or a path) adds little; a type does.
	return /^[A-Z<]/.test(owner) ? `${owner}${sep}${s.name}` : s.name;
}

function nodeSize(centrality: number, max: number): number {
	return 2 + 10 * Math.sqrt(max > 0 ? Math.max(0, centrality) / max : 0);
}

export interface GraphScope {
	/** The symbols drawn (all when absent). */
	only: Set<string>;
	/** Of those, the ones outside the part drilled into: drawn smaller, in a neutral colour, labelled with their module. */
	context?: Set<string>;
	/** Labels for context symbols (their module). */
	contextLabel?: (id: string) => string;
}

/** The colour of context symbols around a drilled-down part. */
export const CONTEXT_COLOR = '#8b97ab';

export function buildGraph(model: DocpackModel, scope: GraphScope | null = null): Graph<NodeAttributes, EdgeAttributes> {
	const graph = new Graph<NodeAttributes, EdgeAttributes>({ type: 'directed', allowSelfLoops: false, multi: false });
	const clusters = model.docpack.clusters;
	const colorOf = new Map(clusters.map((c, i) => [c.id, clusterColor(i)]));
	// Cluster centres on a sunflower spiral, spaced by cluster size.
	const centre = new Map<string, { x: number; y: number; r: number }>();
	const order = [...clusters].sort((a, b) => b.members.length - a.members.length);
	order.forEach((c, i) => {
		const angle = i * 2.39996;
		const radius = 40 * Math.sqrt(i + 1);
		centre.set(c.id, { x: radius * Math.cos(angle), y: radius * Math.sin(angle), r: 4 + 1.2 * Math.sqrt(c.members.length) });
	});
	const spread = 4 + 40 * Math.sqrt(order.length + 1);
	const symbols = scope ? [...scope.only].map((id) => model.byId.get(id)).filter((s) => s !== undefined) : model.docpack.symbols;
	for (const s of symbols) {
		const context = scope?.context?.has(s.id) ?? false;
		const c = s.cluster ? centre.get(s.cluster) : undefined;
		const angle = unit(s.id, 1) * Math.PI * 2;
		const r = Math.sqrt(unit(s.id, 2)) * (c ? c.r * 3 : spread);
		graph.addNode(s.id, {
			x: (c?.x ?? 0) + r * Math.cos(angle),
			y: (c?.y ?? 0) + r * Math.sin(angle),
			size: nodeSize(s.centrality ?? 0, model.maxCentrality) * (context ? 0.7 : 1),
			color: context ? CONTEXT_COLOR : (s.cluster && colorOf.get(s.cluster)) || UNCLUSTERED,
			label: context && scope?.contextLabel ? `${graphLabel(s)} · ${scope.contextLabel(s.id)}` : graphLabel(s),
			cluster: s.cluster ?? null
		});
	}
	const kept: Edge[] = [];
	forEachEdge(model.docpack.graph.edges, (from, to, kind) => {
		if (from === to || !graph.hasNode(from) || !graph.hasNode(to)) return;
		kept.push({ from, to, kind });
	});
	const rank = new Map(PRIORITY.map((k, i) => [k, i]));
	const edges = kept.sort((a, b) => (rank.get(a.kind) ?? 99) - (rank.get(b.kind) ?? 99));
	for (const e of edges) {
		if (!graph.hasNode(e.from) || !graph.hasNode(e.to) || e.from === e.to) continue;
		if (graph.hasEdge(e.from, e.to) || graph.hasEdge(e.to, e.from)) continue;
		const style = EDGE_STYLES[e.kind] ?? EDGE_STYLES.related;
		graph.addEdge(e.from, e.to, { kind: e.kind, color: style.color, size: style.size, type: style.type });
	}
	return graph;
}
