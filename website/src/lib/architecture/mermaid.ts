/**
 * The Mermaid diagrams `doctown export --markdown` writes
 * (`common/docpack/src/mermaid.rs`), the same text to the byte, for the
 * Docs tab: the architecture (the {@link MAX_MODULES} largest modules and
 * the dependencies among them, edges labelled by their count, cycles
 * marked) and each module's neighbourhood (what it depends on and what
 * depends on it, {@link MAX_NEIGHBOURS} each way at most), and the top
 * execution flows as sequence diagrams ({@link flowDiagram}).
 *
 * The module graph is `docs.json`'s modules in their order: their sizes
 * and dependencies as the docpack states them (format 1.4 on), else as the
 * website counted them from the graph by the same rule (`modules.ts`).
 */

import type { Flow, QueryGraph } from '$lib/docpack/graph-queries';
import type { Docs } from '$lib/docpack/types';
import { hasModuleLevel, type Architecture } from './modules';
import { stronglyConnected } from './scc';

/** At most this many modules in the architecture diagram (the largest). */
export const MAX_MODULES = 40;
/** At most this many dependencies and dependents in a module's diagram. */
export const MAX_NEIGHBOURS = 12;

/** `docs.json`'s modules (by index in its order) and the dependency counts between them. */
export interface ModuleGraph {
	names: string[];
	/** Symbols per module. */
	sizes: number[];
	/** [from, to, confident calls and imports], sorted by (from, to). */
	edges: [number, number, number][];
}

/** The module graph of a docpack's docs; `arch` (its module level) serves a docpack older than 1.4. */
export function moduleGraph(docs: Docs, arch: Architecture | null): ModuleGraph {
	const list = docs.modules ?? [];
	const names = list.map((m) => m.name);
	const edges: [number, number, number][] = [];
	if (hasModuleLevel(docs)) {
		const index = new Map(list.map((m, i) => [m.id, i]));
		list.forEach((m, a) => {
			for (const d of m.dependencies!) {
				const b = index.get(d.module);
				if (b !== undefined && b !== a) edges.push([a, b, d.calls + d.imports]);
			}
		});
		return { names, sizes: list.map((m) => m.code!.symbols), edges: sortEdges(edges) };
	}
	// The architecture lists docs.json's modules first, in order.
	for (const d of arch?.dependencies ?? []) if (d.from < list.length && d.to < list.length) edges.push([d.from, d.to, d.weight]);
	return { names, sizes: list.map((_, i) => arch?.modules[i]?.symbols ?? 0), edges: sortEdges(edges) };
}

const sortEdges = (edges: [number, number, number][]) => edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);

/** Modules on a dependency cycle, ascending. */
export function onCycles(g: ModuleGraph): number[] {
	const out: number[][] = g.names.map(() => []);
	for (const [a, b] of g.edges) out[a].push(b);
	return stronglyConnected(out)
		.members.filter((c) => c.length > 1)
		.flat()
		.sort((a, b) => a - b);
}

/** A node label inside `["…"]`: quotes and angle brackets as Mermaid's entity codes, line breaks as spaces. */
export function label(name: string): string {
	const codes: Record<string, string> = { '"': '#quot;', '<': '#lt;', '>': '#gt;', '#': '#35;', '\n': ' ', '\r': ' ' };
	return [...name].map((c) => codes[c] ?? c).join('');
}

/** The lines that mark the shown modules on a cycle. */
function cycleClass(g: ModuleGraph, shown: Set<number>): string {
	const cyclic = onCycles(g).filter((m) => shown.has(m));
	if (!cyclic.length) return '';
	return `  classDef cycle stroke:#d33,stroke-width:2px,stroke-dasharray:4 2\n  class ${cyclic.map((m) => `m${m}`).join(',')} cycle\n`;
}

const nodes = (g: ModuleGraph, shown: Set<number>) => [...shown].sort((a, b) => a - b).map((m) => `  m${m}["${label(g.names[m])}"]\n`).join('');

/** The architecture diagram, with its Markdown fence and the note on modules left out (as the export writes it). */
export function architectureDiagram(g: ModuleGraph): string {
	const order = g.names.map((_, i) => i).sort((a, b) => g.sizes[b] - g.sizes[a] || a - b);
	const shown = new Set(order.slice(0, MAX_MODULES));
	let out = '```mermaid\nflowchart TD\n' + nodes(g, shown);
	for (const [a, b, count] of g.edges) if (shown.has(a) && shown.has(b)) out += `  m${a} -->|${count}| m${b}\n`;
	out += cycleClass(g, shown) + '```\n';
	const leftOut = g.names.length - shown.size;
	if (leftOut > 0) out += `\n_The ${shown.size} largest modules are drawn; ${leftOut} smaller ones are not._\n`;
	return out;
}

/** Module `m`'s diagram: what it depends on and what depends on it, with its Markdown fence. */
export function neighbourhoodDiagram(g: ModuleGraph, m: number): string {
	const heaviest = (list: [number, number][]) => list.sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, MAX_NEIGHBOURS);
	const deps = heaviest(g.edges.filter(([a]) => a === m).map(([, b, n]) => [b, n]));
	const dependents = heaviest(g.edges.filter(([a, b]) => b === m && a !== m).map(([a, , n]) => [a, n]));
	const shown = new Set([m, ...deps.map(([i]) => i), ...dependents.map(([i]) => i)]);
	let out = '```mermaid\nflowchart LR\n' + nodes(g, shown);
	for (const [i, count] of dependents) out += `  m${i} -->|${count}| m${m}\n`;
	for (const [i, count] of deps) out += `  m${m} -->|${count}| m${i}\n`;
	out += `  style m${m} stroke-width:3px\n` + cycleClass(g, shown) + '```\n';
	return out;
}

/** The diagram source inside a ```mermaid fence (what the mermaid library renders). */
export function fenced(markdown: string): string {
	const start = markdown.indexOf('```mermaid\n');
	if (start < 0) return '';
	const body = markdown.slice(start + '```mermaid\n'.length);
	return body.slice(0, body.indexOf('```'));
}

/** At most this many flows on the Docs tab (the export's architecture page draws as many). */
export const MAX_FLOWS = 5;
/** The lifeline of symbols that are in no module. */
export const NO_MODULE = '(no module)';

/** An execution flow's main line: its name, entry kind, reach and steps (name, module or null). */
export interface FlowLine {
	name: string;
	kind: string;
	reach: number;
	steps: { name: string; module: string | null }[];
}

/** Text after `as` or `:` in a sequence diagram: what would end the statement or start an entity as entity codes. */
function seqText(name: string): string {
	const codes: Record<string, string> = { ';': '#59;', '#': '#35;', '<': '#lt;', '>': '#gt;', '\n': ' ', '\r': ' ' };
	return [...name].map((c) => codes[c] ?? c).join('');
}

/**
 * A flow's main line as a sequence diagram, with its fence — the text
 * `doctown export --markdown` writes (`flow_diagram` in mermaid.rs): one
 * participant per module in the order the line enters them, a note naming
 * the entry, one message per call labelled by the callee.
 */
export function flowDiagram(flow: FlowLine): string {
	const lanes: string[] = [];
	const at = flow.steps.map(({ module }) => {
		const name = module ?? NO_MODULE;
		let i = lanes.indexOf(name);
		if (i < 0) i = lanes.push(name) - 1;
		return i;
	});
	let out = '```mermaid\nsequenceDiagram\n';
	lanes.forEach((name, i) => (out += `  participant p${i} as ${seqText(name)}\n`));
	if (flow.steps.length) out += `  Note over p${at[0]}: ${seqText(flow.steps[0].name)} (${seqText(flow.kind)})\n`;
	for (let k = 1; k < flow.steps.length; k++) out += `  p${at[k - 1]}->>p${at[k]}: ${seqText(flow.steps[k].name)}\n`;
	return out + '```\n';
}

/** The heading the export gives a flow (its name as Markdown inline code, as `code` in export.rs). */
export function flowHeading(flow: FlowLine): string {
	const name = flow.name.replace(/\n/g, ' ');
	return `${name.includes('`') ? `\`\` ${name} \`\`` : `\`${name}\``} (${flow.kind}, reaches ${flow.reach} symbols)`;
}

/** The best `flows`' main lines (at most `limit`), as {@link flowDiagram} draws them. */
export function flowLines(g: QueryGraph, flows: Flow[], limit = MAX_FLOWS): FlowLine[] {
	return flows.slice(0, limit).map((f) => ({
		name: f.path.map((s) => g.symbols[s].name).join(' → '),
		kind: f.kind,
		reach: f.reach.length,
		steps: f.path.map((s) => ({ name: g.symbols[s].name, module: g.moduleName(s) }))
	}));
}
