/**
 * Execution flows as sequence diagrams across modules. A flow (from an entry
 * point, over confident calls and references — `computeFlows` in
 * `$lib/docpack/graph-queries`) is drawn along its main line: one lifeline
 * per module, in the order the line enters them, and one message per step
 * from the caller's lifeline to the callee's (a step inside one module is
 * a self-message). The geometry is computed here, without the DOM.
 */

import type { Flow, QueryGraph } from '$lib/docpack/graph-queries';
import type { Architecture } from './modules';

export interface Lifeline {
	/** Module index, or -1 for symbols in no module. */
	module: number;
	name: string;
	x: number;
}

export interface Message {
	/** 0-based step along the main line. */
	step: number;
	from: number;
	to: number;
	/** The callee. */
	symbol: string;
	name: string;
	/** Whether caller and callee share a module. */
	self: boolean;
	/** The step leaves one module for another. */
	crossing: boolean;
	y: number;
	/** SVG path of the arrow. */
	path: string;
	/** Where the label goes. */
	label: { x: number; y: number; anchor: 'start' | 'middle' };
}

export interface SequenceDiagram {
	entry: { symbol: string; name: string; lifeline: number };
	lifelines: Lifeline[];
	messages: Message[];
	width: number;
	height: number;
	/** Modules the whole flow reaches (its main line shows only some): the main line's first, in its order. */
	reachedModules: number[];
}

export interface DiagramOptions {
	columnWidth: number;
	headerHeight: number;
	stepHeight: number;
	padding: number;
}

export const DEFAULT_DIAGRAM: DiagramOptions = { columnWidth: 170, headerHeight: 40, stepHeight: 42, padding: 16 };

/** The sequence diagram of a flow's main line. */
export function sequenceDiagram(
	g: QueryGraph,
	flow: Flow,
	modulesOfSymbols: Int32Array,
	arch: Architecture,
	options: Partial<DiagramOptions> = {}
): SequenceDiagram {
	const o = { ...DEFAULT_DIAGRAM, ...options };
	const lifelineOf = new Map<number, number>();
	const lifelines: Lifeline[] = [];
	const lane = (symbol: number) => {
		const m = modulesOfSymbols[symbol];
		let at = lifelineOf.get(m);
		if (at === undefined) {
			at = lifelines.length;
			lifelineOf.set(m, at);
			lifelines.push({ module: m, name: m >= 0 ? arch.modules[m].name : '(no module)', x: o.padding + o.columnWidth * (at + 0.5) });
		}
		return at;
	};
	const entryLane = lane(flow.entry);
	const messages: Message[] = [];
	for (let k = 1; k < flow.path.length; k++) {
		const from = lane(flow.path[k - 1]);
		const to = lane(flow.path[k]);
		const callee = g.symbols[flow.path[k]];
		const y = o.padding + o.headerHeight + o.stepHeight * k;
		const x1 = lifelines[from].x;
		const x2 = lifelines[to].x;
		let path: string;
		let label: Message['label'];
		if (from === to) {
			const w = Math.min(34, o.columnWidth * 0.2);
			path = `M${x1},${y - 12} h${w} v12 h${-w}`;
			label = { x: x1 + w + 6, y: y - 4, anchor: 'start' };
		} else {
			path = `M${x1},${y} H${x2}`;
			label = { x: (x1 + x2) / 2, y: y - 6, anchor: 'middle' };
		}
		messages.push({
			step: k - 1,
			from,
			to,
			symbol: callee.id,
			name: callee.name,
			self: from === to,
			crossing: from !== to,
			y,
			path,
			label
		});
	}
	// A call to its own lifeline is labelled to the right: the last lifeline's labels widen the drawing.
	const labelEnd = Math.max(
		0,
		...messages.filter((m) => m.self).map((m) => m.label.x + 7.5 * (`${m.step + 1}. `.length + Math.min(m.name.length, Math.floor((o.columnWidth - 50) / 7))))
	);
	return {
		entry: { symbol: g.symbols[flow.entry].id, name: g.symbols[flow.entry].name, lifeline: entryLane },
		lifelines,
		messages,
		width: Math.ceil(Math.max(o.padding * 2 + o.columnWidth * Math.max(1, lifelines.length), labelEnd + o.padding)),
		height: o.padding * 2 + o.headerHeight + o.stepHeight * Math.max(1, flow.path.length),
		reachedModules: [
			...new Set([...lifelines.map((l) => l.module), ...Array.from(flow.reach, (s) => modulesOfSymbols[s])].filter((m) => m >= 0))
		]
	};
}

/** Flows that enter any of `modules` (through any symbol they reach), best first. */
export function flowsThroughModules(flows: Flow[], modulesOfSymbols: Int32Array, modules: Set<number>): Flow[] {
	if (modules.size === 0) return flows;
	return flows.filter((f) => {
		for (const s of f.reach) if (modules.has(modulesOfSymbols[s])) return true;
		return false;
	});
}
