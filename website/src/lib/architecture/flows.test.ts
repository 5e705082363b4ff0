import { describe, expect, it } from 'vitest';
import { computeFlows, QueryGraph } from '$lib/docpack/graph-queries';
import { buildArchitecture } from './modules';
import { neighbourhood, symbolModules } from './drill';
import { flowsThroughModules, sequenceDiagram } from './flow-diagram';
import { layeredDocpack, shopDocpack } from '../../test-helpers';

describe('drill-down to a module and its neighbours', () => {
	const docpack = layeredDocpack();
	const arch = buildArchitecture(docpack);
	const g = new QueryGraph(docpack);
	const mods = symbolModules(g, arch);
	const index = (name: string) => arch.modules.findIndex((m) => m.name === name);
	const names = (ids: string[]) => ids.map((id) => id.replace('sym:', ''));

	it('takes the module’s symbols, most central first, and what they link to', () => {
		const n = neighbourhood(g, mods, [index('core')]);
		expect(names(n.own)).toEqual(['core.process', 'core.validate']);
		// Confident links only: callers in api, callees in storage and util, the test that calls process.
		expect(names(n.neighbours).sort()).toEqual(['api.handle', 'api.route', 'storage.save', 'tests.test_core', 'util.fmt']);
		// util.fmt is linked twice (process calls it, validate references it).
		expect(names(n.neighbours)[0]).toBe('util.fmt');
	});

	it('caps both lists', () => {
		const n = neighbourhood(g, mods, [index('core')], { maxOwn: 1, maxNeighbours: 2 });
		expect(names(n.own)).toEqual(['core.process']);
		expect(n.omitted).toBe(1);
		expect(n.neighbours).toHaveLength(2);
		expect(n.omittedNeighbours).toBe(2);
	});

	it('spans several modules (a folded directory)', () => {
		const n = neighbourhood(g, mods, [index('storage'), index('cache')]);
		expect(names(n.own).sort()).toEqual(['cache.lookup', 'storage.load', 'storage.save']);
		expect(names(n.neighbours).sort()).toEqual(['core.process', 'util.fmt']);
	});
});

describe('flows as sequence diagrams across modules', () => {
	const docpack = layeredDocpack();
	const arch = buildArchitecture(docpack);
	const g = new QueryGraph(docpack);
	const mods = symbolModules(g, arch);
	const flows = computeFlows(g);

	it('draws the main line with one lifeline per module, in the order entered', () => {
		const main = flows.find((f) => g.symbols[f.entry].name === 'main')!;
		const d = sequenceDiagram(g, main, mods, arch);
		expect(d.entry.name).toBe('main');
		expect(d.lifelines.map((l) => l.name)).toEqual(['app', 'api', 'core', 'storage', 'cache']);
		expect(d.messages.map((m) => `${d.lifelines[m.from].name}→${d.lifelines[m.to].name} ${m.name}`)).toEqual([
			'app→api handle',
			'api→core process',
			'core→storage save',
			'storage→cache lookup',
			'cache→storage load'
		]);
		expect(d.messages.every((m) => m.crossing)).toBe(true);
		// Messages go down the diagram, one step at a time.
		expect(d.messages.map((m) => m.y)).toEqual([...d.messages.map((m) => m.y)].sort((a, b) => a - b));
		expect(d.reachedModules.map((m) => arch.modules[m].name)).toEqual(['app', 'api', 'core', 'storage', 'cache', 'util']);
		expect(d.width).toBeGreaterThan(d.lifelines[4].x);
		expect(d.height).toBeGreaterThan(d.messages[4].y);
	});

	it('draws a step inside one module as a self-message', () => {
		const shop = shopDocpack();
		const sg = new QueryGraph(shop);
		const sarch = buildArchitecture(shop);
		const smods = symbolModules(sg, sarch);
		const route = computeFlows(sg).find((f) => sg.symbols[f.entry].name === 'create_order_route')!;
		const d = sequenceDiagram(sg, route, smods, sarch);
		expect(d.lifelines.map((l) => l.name)).toEqual(['shop']);
		expect(d.messages.every((m) => m.self && !m.crossing)).toBe(true);
		expect(d.messages[0].path).toMatch(/^M[\d.]+,[\d.]+ h/);
	});

	it('filters flows by the modules they reach', () => {
		const toCache = flowsThroughModules(flows, mods, new Set([arch.modules.findIndex((m) => m.name === 'cache')]));
		expect(toCache.length).toBeGreaterThan(0);
		expect(toCache.every((f) => Array.from(f.reach).some((s) => g.symbols[s].path.startsWith('cache/')))).toBe(true);
		expect(flowsThroughModules(flows, mods, new Set())).toBe(flows);
		expect(flowsThroughModules(flows, mods, new Set([arch.modules.findIndex((m) => m.name === 'docs')]))).toEqual([]);
	});
});
