// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocpack } from '$lib/docpack/read';
import type { Docs } from '$lib/docpack/types';
import { buildArchitecture } from './modules';
import { allFlows, queryGraph } from '$lib/docpack/graph-queries';
import { architectureDiagram, fenced, flowDiagram, flowHeading, flowLines, label, MAX_FLOWS, MAX_MODULES, MAX_NEIGHBOURS, moduleGraph, neighbourhoodDiagram, onCycles, type ModuleGraph } from './mermaid';

const fixtures = new URL('../../../tests/fixtures/', import.meta.url);
const exported = (page: string) => readFileSync(new URL(`layered-export/${page}`, fixtures), 'utf8');
const layered = await readDocpack(new Uint8Array(readFileSync(new URL('layered.docpack', fixtures))));

/** The docs of a docpack older than 1.4: no module level. */
const withoutLevel = (docs: Docs): Docs => ({ ...docs, modules: docs.modules?.map(({ code: _c, dependencies: _d, ...m }) => m) });

describe('the Mermaid diagrams of the Docs tab', () => {
	const g = moduleGraph(layered.docs, null);

	it('are the text `doctown export --markdown` writes (layered-repo)', () => {
		// tests/fixtures/layered-export/ is the CLI's export of layered.docpack (make-layered-docpack.sh).
		const architecture = architectureDiagram(g);
		expect(exported('architecture.md')).toContain(`## Modules and their dependencies\n\n${architecture}`);
		expect(architecture).toContain('  m1 -->|2| m0\n');
		expect(architecture).toContain('  class m2,m4 cycle\n');
		g.names.forEach((name, m) => {
			expect(exported(`modules/${name}.md`)).toContain(`## Dependencies\n\n${neighbourhoodDiagram(g, m)}`);
		});
	});

	it('are the same for a docpack older than 1.4, counted from its graph', () => {
		const old = { ...layered, docs: withoutLevel(layered.docs) };
		const counted = moduleGraph(old.docs, buildArchitecture(old));
		expect(counted).toEqual(g);
		expect(architectureDiagram(counted)).toBe(architectureDiagram(g));
	});

	it('keep labels inside their quotes', () => {
		expect(label('a"b<c>#d\ne')).toBe('a#quot;b#lt;c#gt;#35;d e');
	});

	it('draw the largest modules only, and say how many are left out', () => {
		const n = MAX_MODULES + 5;
		const big: ModuleGraph = { names: Array.from({ length: n }, (_, i) => `mod${i}`), sizes: Array.from({ length: n }, (_, i) => n - i), edges: [[0, n - 1, 1]] };
		const text = architectureDiagram(big);
		expect(text).toContain(`m${MAX_MODULES - 1}[`);
		expect(text).not.toContain(`m${MAX_MODULES}[`);
		expect(text).not.toContain('-->');
		expect(text).toContain('5 smaller ones are not');
	});

	it('show a module’s heaviest neighbours both ways, and its cycles', () => {
		const n = MAX_NEIGHBOURS + 4;
		const edges: [number, number, number][] = [];
		for (let i = 1; i < n; i++) edges.push([0, i, i]);
		edges.push([1, 0, 7]);
		const hub: ModuleGraph = { names: Array.from({ length: n }, (_, i) => `m${i}`), sizes: new Array(n).fill(1), edges };
		const text = neighbourhoodDiagram(hub, 0);
		expect(text.match(/ m0 -->/g)).toHaveLength(MAX_NEIGHBOURS);
		expect(text).not.toContain('m0 -->|1| m1');
		expect(text).toContain('  m1 -->|7| m0\n');
		expect(text).toContain('  style m0 stroke-width:3px\n');
		expect(onCycles(hub)).toEqual([0, 1]);
		expect(fenced(text)).toBe(text.slice('```mermaid\n'.length, -'```\n'.length));
	});
});

describe('the top flows of the Docs tab', () => {
	it('are the sequence diagrams `doctown export --markdown` writes (layered-repo)', () => {
		const g = queryGraph(layered);
		const lines = flowLines(g, allFlows(g));
		expect(lines.length).toBeGreaterThan(0);
		const page = exported('architecture.md');
		const section = page.slice(page.indexOf('## Top execution flows'), page.indexOf('## Clusters'));
		// Every flow the export draws, in its order, and no other.
		expect(section.match(/sequenceDiagram/g)).toHaveLength(Math.min(MAX_FLOWS, lines.length));
		for (const flow of lines.slice(0, MAX_FLOWS)) expect(section).toContain(`### ${flowHeading(flow)}\n\n${flowDiagram(flow)}`);
		const main = flowDiagram(lines[0]);
		expect(main).toContain('  participant p0 as app\n');
		expect(main).toContain('  Note over p0: main (main)\n');
		expect(main).toContain('  p3->>p4: remember\n  p4->>p3: load\n');
	});

	it('draw steps outside every module on a lifeline of their own, and keep text inside its statement', () => {
		const text = flowDiagram({
			name: 'x',
			kind: 'api',
			reach: 3,
			steps: [
				{ name: 'a;b', module: 'm#1<x>' },
				{ name: 'c\nd', module: null },
				{ name: 'e', module: 'm#1<x>' }
			]
		});
		expect(text).toBe(
			'```mermaid\nsequenceDiagram\n  participant p0 as m#35;1#lt;x#gt;\n  participant p1 as (no module)\n  Note over p0: a#59;b (api)\n  p0->>p1: c d\n  p1->>p0: e\n```\n'
		);
	});
});
