// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocpack } from '$lib/docpack/read';
import { QueryGraph, computeFlows } from '$lib/docpack/graph-queries';
import { buildArchitecture } from './modules';
import { buildMap } from './map-model';
import { symbolModules } from './drill';
import { sequenceDiagram } from './flow-diagram';

// tests/fixtures/layered.docpack: layered-repo built by the doctown CLI (make-layered-docpack.sh).
const docpack = await readDocpack(new Uint8Array(readFileSync(new URL('../../../tests/fixtures/layered.docpack', import.meta.url))));

describe('the architecture of a docpack the CLI built', () => {
	const arch = buildArchitecture(docpack);
	const deps = arch.dependencies.map((d) => `${arch.modules[d.from].name}→${arch.modules[d.to].name}`).sort();

	it('has the repository’s module dependencies, confident ones only', () => {
		expect(arch.modules.map((m) => m.name).sort()).toEqual(['api', 'app', 'cache', 'core', 'storage', 'tests', 'util']);
		expect(deps).toEqual(['api→core', 'app→api', 'cache→storage', 'core→storage', 'core→util', 'storage→cache', 'storage→util']);
		expect(arch.modules.find((m) => m.name === 'tests')?.role).toBe('test');
	});

	it('draws storage ⇄ cache as the one cycle, in layers', () => {
		const map = buildMap(arch, { scope: '', sizeBy: 'symbols', showAll: false });
		expect(map.layout.cycles.map((c) => c.members.map((m) => map.view.units[m].key).sort())).toEqual([['cache', 'storage']]);
		const layer = (key: string) => map.layout.boxes[map.view.units.findIndex((u) => u.key === key)].layer;
		expect([layer('app'), layer('api'), layer('core'), layer('storage'), layer('util')]).toEqual([0, 1, 2, 3, 4]);
		expect(layer('cache')).toBe(layer('storage'));
	});

	it('follows the flow from main across the modules', () => {
		const g = new QueryGraph(docpack);
		const main = computeFlows(g).find((f) => g.symbols[f.entry].name === 'main')!;
		const d = sequenceDiagram(g, main, symbolModules(g, arch), arch);
		expect(d.lifelines.map((l) => l.name)).toEqual(['app', 'api', 'core', 'storage', 'cache']);
	});
});
