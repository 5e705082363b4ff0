import { describe, expect, it } from 'vitest';
import { stronglyConnected } from './scc';
import { buildArchitecture, directoryOf, moduleOf } from './modules';
import { relativeParts, scopeTrail, unitView } from './units';
import { boxWidth, layoutLayers, type LayoutNode } from './layout';
import { layeredDocpack, shopDocpack } from '../../test-helpers';

describe('strongly connected components', () => {
	it('finds cycles and lists dependencies first', () => {
		// 0 → 1 → 2 → 1, 2 → 3, 4 alone
		const { of, members } = stronglyConnected([[1], [2], [1, 3], [], []]);
		expect(of[1]).toBe(of[2]);
		expect(new Set([of[0], of[1], of[3], of[4]]).size).toBe(4);
		expect(members.find((m) => m.length > 1)).toEqual([1, 2]);
		// 3 is reached from {1, 2}, which is reached from 0: listed in that order.
		expect(of[3]).toBeLessThan(of[1]);
		expect(of[1]).toBeLessThan(of[0]);
	});

	it('handles a chain of 100,000 nodes without recursion', () => {
		const n = 100_000;
		const adjacency = Array.from({ length: n }, (_, i) => (i + 1 < n ? [i + 1] : [0]));
		const { members } = stronglyConnected(adjacency);
		expect(members).toHaveLength(1);
		expect(members[0]).toHaveLength(n);
	});
});

describe('module level of a docpack', () => {
	const arch = buildArchitecture(layeredDocpack());
	const index = (name: string) => arch.modules.findIndex((m) => m.name === name);
	const edges = () => arch.dependencies.map((d) => `${arch.modules[d.from].name}→${arch.modules[d.to].name}`);

	it('lists the modules of the docs and of the graph', () => {
		expect(arch.modules.map((m) => m.name).sort()).toEqual(['api', 'app', 'cache', 'core', 'docs', 'storage', 'tests', 'util']);
		expect(arch.modules[index('docs')].doc).toBeNull();
		expect(arch.modules[index('core')].doc?.summary).toBe('The core module.');
		expect(arch.summary?.summary).toBe('Seven modules in layers.');
	});

	it('aggregates confident dependencies between source code only', () => {
		expect(edges().sort()).toEqual(['api→core', 'app→api', 'cache→storage', 'core→storage', 'core→util', 'storage→cache', 'storage→util']);
		// The import and the call from app to api are one dependency of weight 2.
		const appApi = arch.dependencies.find((d) => d.from === index('app') && d.to === index('api'))!;
		expect(appApi.weight).toBe(2);
		expect(appApi.kinds).toEqual({ imports: 1, calls: 1 });
		const coreUtil = arch.dependencies.find((d) => d.from === index('core') && d.to === index('util'))!;
		// A reference (a function passed as a value) is no dependency: calls and imports are.
		expect(coreUtil.kinds).toEqual({ calls: 1 });
	});

	it('sizes, roles, central symbols and clusters per module', () => {
		const storage = arch.modules[index('storage')];
		expect(storage.symbols).toBe(2);
		expect(storage.files).toBe(2);
		expect(storage.lines).toBe(10 + 'storage/save.py'.length + 10 + 'storage/load.py'.length);
		expect(storage.top.map((s) => s.name)).toEqual(['save', 'load']);
		expect(storage.clusters).toEqual([{ id: 'c-persist', label: 'persistence', count: 2 }]);
		expect(storage.languages).toEqual([['python', 2]]);
		expect(storage.role).toBe('source');
		expect(arch.modules[index('tests')].role).toBe('test');
		expect(arch.moduleOfFile.get('cache/lookup.py')).toBe(index('cache'));
	});

	it('keeps the most central symbols in order', () => {
		const shop = buildArchitecture(shopDocpack());
		const top = shop.modules.find((m) => m.name === 'shop')!.top;
		expect(top).toHaveLength(10);
		expect(top[0].name).toBe('connect');
		expect(top.map((s) => s.centrality)).toEqual([...top.map((s) => s.centrality)].sort((a, b) => b - a));
	});

	it('derives modules from directories when a docpack has none', () => {
		const docpack = layeredDocpack();
		docpack.docs = {};
		docpack.graph = { nodes: [], edges: [...docpack.graph.edges].filter((e) => !e.from.startsWith('module:')) };
		const derived = buildArchitecture(docpack);
		expect(derived.modules.map((m) => m.path).sort()).toEqual(['api', 'app', 'cache', 'core', 'docs', 'storage', 'tests', 'util']);
		expect(derived.dependencies).toHaveLength(7);
	});

	it('places a symbol in the module whose doc lists it, else in its file’s (DOCPACK_SPEC §4.6)', () => {
		const docpack = layeredDocpack();
		const fmt = docpack.symbols.find((s) => s.qualified_name === 'util.fmt')!;
		// core's doc lists util.fmt: it is core's now, and its call to app.run (a guess) still draws nothing.
		docpack.docs.modules = docpack.docs.modules!.map((m) => (m.name === 'core' ? { ...m, symbols: [fmt.id] } : m));
		for (const order of ['sorted', 'shuffled']) {
			const symbols = order === 'sorted' ? [...docpack.symbols].sort((a, b) => (a.id < b.id ? -1 : 1)) : [...docpack.symbols].reverse();
			const moved = buildArchitecture({ ...docpack, symbols });
			const at = (name: string) => moved.modules.findIndex((m) => m.name === name);
			expect(moduleOf(moved, fmt)).toBe(at('core'));
			expect(moved.moduleOfSymbol.size).toBe(1);
			expect(moduleOf(moved, symbols.find((s) => s.qualified_name === 'core.process')!)).toBe(at('core'));
			expect(moved.modules[at('util')].symbols).toBe(0);
			expect(moved.dependencies.map((d) => `${moved.modules[d.from].name}→${moved.modules[d.to].name}`)).not.toContain('core→util');
		}
	});

	it('names the directory of a path', () => {
		expect(directoryOf('a/b/c.rs')).toBe('a/b');
		expect(directoryOf('main.go')).toBe('.');
	});
});

describe('boxes by directory', () => {
	const arch = buildArchitecture(layeredDocpack());

	it('shows every module when they fit', () => {
		const view = unitView(arch);
		expect(view.units.map((u) => u.key)).toEqual(['api', 'app', 'cache', 'core', 'docs', 'storage', 'tests', 'util']);
		expect(view.units.every((u) => u.module !== null)).toBe(true);
		expect(view.dependencies).toHaveLength(7);
	});

	it('leaves out filtered modules and counts them', () => {
		const view = unitView(arch, { include: (m) => arch.modules[m].role === 'source' });
		expect(view.units.map((u) => u.key)).not.toContain('tests');
		expect(view.hidden).toBe(1);
	});

	it('folds nested modules into directories when there are too many', () => {
		const nested = buildArchitecture({
			symbols: [],
			graph: { nodes: [], edges: [] },
			clusters: [],
			files: [],
			docs: {
				modules: ['.', 'lib', 'lib/a', 'lib/a/x', 'lib/b', 'cmd/one', 'cmd/two'].map((p) => ({ id: `module:${p}`, name: p, path: p, documentation: { summary: '', source: 'facts' as const } }))
			}
		});
		const all = unitView(nested, { maxUnits: 10 });
		expect(all.units.map((u) => u.key)).toEqual(['.', 'cmd/one', 'cmd/two', 'lib', 'lib/a', 'lib/a/x', 'lib/b']);
		expect(all.units.find((u) => u.key === '.')?.label).toBe('(root)');
		// Groups: the top directory.
		expect(all.units.find((u) => u.key === 'lib/a/x')?.group).toBe('lib');
		const folded = unitView(nested, { maxUnits: 4 });
		expect(folded.depth).toBe(1);
		expect(folded.units.map((u) => `${u.key}:${u.modules.length}`)).toEqual(['.:1', 'cmd:2', 'lib:4']);
		expect(folded.units.find((u) => u.key === 'lib')?.module).toBeNull();
		const lib = unitView(nested, { scope: 'lib', maxUnits: 4 });
		// In the band of group 'a', the box of a/x is named x.
		expect(lib.units.map((u) => u.label)).toEqual(['lib (itself)', 'a', 'x', 'b']);
		expect(lib.units.map((u) => u.group)).toEqual(['', 'a', 'a', 'b']);
		expect(relativeParts('lib/a', 'lib')).toEqual(['a']);
		expect(relativeParts('libx', 'lib')).toBeNull();
		expect(scopeTrail('lib/a').map((t) => t.key)).toEqual(['', 'lib', 'lib/a']);
	});

	it('sums dependencies between folded boxes and counts those leaving the scope', () => {
		const view = unitView(arch, { scope: 'storage' });
		expect(view.units.map((u) => u.key)).toEqual(['storage']);
		expect(view.outside).toEqual({ out: 2, in: 2 });
	});
});

describe('layered layout', () => {
	const arch = buildArchitecture(layeredDocpack());
	const view = unitView(arch);
	const nodes: LayoutNode[] = view.units.map((u) => ({ size: u.symbols, group: u.group, key: u.key }));
	const layout = layoutLayers(nodes, view.dependencies);
	const box = (key: string) => layout.boxes[view.units.findIndex((u) => u.key === key)];

	it('puts every dependency below what depends on it', () => {
		for (const e of layout.edges) {
			if (e.cyclic) expect(box(view.units[e.from].key).layer).toBe(box(view.units[e.to].key).layer);
			else expect(layout.boxes[e.from].layer).toBeLessThan(layout.boxes[e.to].layer);
		}
		expect(box('app').layer).toBe(0);
		expect(box('api').layer).toBe(1);
		expect(box('core').layer).toBe(2);
		expect(box('storage').layer).toBe(3);
		expect(box('util').layer).toBe(4);
	});

	it('marks the cycle and keeps its members side by side', () => {
		expect(layout.cycles).toHaveLength(1);
		expect(layout.cycles[0].members.map((m) => view.units[m].key).sort()).toEqual(['cache', 'storage']);
		expect(box('cache').inCycle && box('storage').inCycle).toBe(true);
		expect(box('core').inCycle).toBe(false);
		expect(box('cache').row).toBe(box('storage').row);
		expect(layout.cycles[0].outlines).toHaveLength(1);
		const o = layout.cycles[0].outlines[0];
		for (const b of [box('cache'), box('storage')]) {
			expect(b.x).toBeGreaterThan(o.x);
			expect(b.x + b.width).toBeLessThan(o.x + o.width);
		}
		expect(layout.edges.filter((e) => e.cyclic)).toHaveLength(2);
	});

	it('gives modules without dependencies a layer of their own at the bottom', () => {
		expect(layout.unconnectedLayer).toBe(true);
		expect(box('docs').layer).toBe(layout.layers - 1);
		expect(box('tests').layer).toBe(layout.layers - 1);
	});

	it('places boxes without overlaps, inside the drawing', () => {
		const boxes = layout.boxes;
		for (const a of boxes) {
			expect(a.x).toBeGreaterThanOrEqual(0);
			expect(a.y).toBeGreaterThanOrEqual(0);
			expect(a.x + a.width).toBeLessThanOrEqual(layout.width);
			expect(a.y + a.height).toBeLessThanOrEqual(layout.height);
			for (const b of boxes) {
				if (a === b || a.row !== b.row) continue;
				expect(a.x + a.width <= b.x || b.x + b.width <= a.x).toBe(true);
			}
		}
	});

	it('draws arrows from the bottom of a box to the top of its dependency', () => {
		const e = layout.edges.find((x) => view.units[x.from].key === 'app' && view.units[x.to].key === 'api')!;
		expect(e.weight).toBe(2);
		expect(e.start.y).toBe(box('app').y + box('app').height);
		expect(e.end.y).toBe(box('api').y);
		expect(e.path.startsWith(`M${e.start.x},${e.start.y} C`)).toBe(true);
	});

	it('sizes boxes by code', () => {
		expect(boxWidth(0, 100)).toBe(96);
		expect(boxWidth(100, 100)).toBe(210);
		expect(boxWidth(25, 100)).toBe(96 + 57);
	});

	it('orders by barycentre: children under their parents', () => {
		// Two parents, each with two children: the children follow their parent's order.
		const nodes = ['p1', 'p2', 'c2a', 'c1a', 'c2b', 'c1b'].map((key) => ({ size: 1, group: '', key }));
		const edges = [
			{ from: 0, to: 3, weight: 1 },
			{ from: 0, to: 5, weight: 1 },
			{ from: 1, to: 2, weight: 1 },
			{ from: 1, to: 4, weight: 1 }
		];
		const l = layoutLayers(nodes, edges);
		const bottom = l.order[1].map((v) => nodes[v].key);
		expect(bottom.slice(0, 2).sort()).toEqual(['c1a', 'c1b']);
		expect(bottom.slice(2).sort()).toEqual(['c2a', 'c2b']);
	});

	it('keeps directory groups together in a layer', () => {
		const nodes = ['a/1', 'b/1', 'a/2', 'b/2', 'top'].map((key) => ({ size: 1, group: key.split('/')[0], key }));
		const edges = [0, 1, 2, 3].map((to) => ({ from: 4, to, weight: 1 }));
		const l = layoutLayers(nodes, edges);
		const groups = l.order[1].map((v) => nodes[v].group);
		expect(groups).toEqual([...groups].sort());
		expect(l.bands.filter((b) => b.row === 1).map((b) => b.group)).toEqual(['a', 'b']);
	});

	it('lays a large cycle out as a block of its own rows, few arrows pointing back', async () => {
		const { feedbackOrder } = await import('./layout');
		// A chain of six modules closed into a cycle, a module on top that uses the first, one beside it.
		const nodes = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'top', 'side'].map((key) => ({ size: 1, group: '', key }));
		const edges = [0, 1, 2, 3, 4, 5].map((i) => ({ from: i, to: (i + 1) % 6, weight: 1 }));
		edges.push({ from: 6, to: 0, weight: 1 }, { from: 6, to: 7, weight: 1 });
		const l = layoutLayers(nodes, edges, { maxRowWidth: 400 });
		expect(l.cycles).toHaveLength(1);
		expect(l.cycles[0].members).toEqual([0, 1, 2, 3, 4, 5]);
		const cycleRows = new Set(l.boxes.slice(0, 6).map((b) => b.row));
		expect(cycleRows.size).toBeGreaterThan(1);
		// Its rows hold its members only; each is outlined.
		for (const row of cycleRows) expect(l.order[row].every((v) => v < 6)).toBe(true);
		expect(l.cycles[0].outlines).toHaveLength(cycleRows.size);
		expect(new Set(l.boxes.slice(0, 6).map((b) => b.layer)).size).toBe(1);
		// One arrow closes the cycle; the others follow the members' order.
		expect(l.edges.filter((e) => e.feedback)).toHaveLength(1);
		expect(l.edges.filter((e) => e.cyclic)).toHaveLength(6);
		// The order puts a source first and keeps one edge backwards.
		const out = [[1], [2], [0, 3], [4], [2], []];
		const into = [[2], [0], [1, 4], [2], [3], []];
		const order = feedbackOrder([0, 1, 2, 3, 4], out, into);
		expect(order).toHaveLength(5);
		const at = new Map(order.map((v, i) => [v, i]));
		const backwards = [[0, 1], [1, 2], [2, 0], [2, 3], [3, 4], [4, 2]].filter(([a, b]) => at.get(b)! < at.get(a)!);
		expect(backwards.length).toBeLessThanOrEqual(2);
	});

	it('wraps a wide layer into rows', () => {
		const nodes = Array.from({ length: 30 }, (_, i) => ({ size: 1, group: '', key: `m${i}` }));
		const l = layoutLayers(nodes, [], { maxRowWidth: 500 });
		expect(l.layers).toBe(1);
		expect(l.rows).toBeGreaterThan(5);
		expect(Math.max(...l.boxes.map((b) => b.x + b.width))).toBeLessThanOrEqual(500 + 24);
	});

	it('lays out 2,000 nodes and 10,000 edges quickly', () => {
		const n = 2000;
		let seed = 1;
		const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
		const nodes = Array.from({ length: n }, (_, i) => ({ size: 1 + Math.floor(random() * 100), group: `g${i % 10}`, key: `m${i}` }));
		const edges = Array.from({ length: 10_000 }, () => ({ from: Math.floor(random() * n), to: Math.floor(random() * n), weight: 1 }));
		const started = performance.now();
		const l = layoutLayers(nodes, edges);
		expect(performance.now() - started).toBeLessThan(3000);
		expect(l.boxes).toHaveLength(n);
	});
});

describe('what the map draws', async () => {
	const { buildMap, compact, fitLabel, kindsText, neighbourBox, unitCaption, unitDescription } = await import('./map-model');
	const arch = buildArchitecture(layeredDocpack());

	it('leaves tests out unless asked, and keys boxes by module', () => {
		const map = buildMap(arch, { scope: '', sizeBy: 'symbols', showAll: false });
		expect(map.view.units.map((u) => u.key)).not.toContain('tests');
		expect(map.keys).toContain('module:core');
		const all = buildMap(arch, { scope: '', sizeBy: 'lines', showAll: true });
		expect(all.view.units.map((u) => u.key)).toContain('tests');
	});

	it('describes a box for screen readers', () => {
		const map = buildMap(arch, { scope: '', sizeBy: 'symbols', showAll: false });
		const i = map.view.units.findIndex((u) => u.key === 'storage');
		expect(unitDescription(map, i, 'symbols')).toBe('storage 2 symbols; module storage; in a dependency cycle; depends on cache, util; used by cache, core');
		expect(unitCaption(map.view.units[i], 'lines')).toBe(`${map.view.units[i].lines} lines`);
	});

	it('words and numbers', () => {
		expect(kindsText({ calls: 3, imports: 1 })).toBe('3 calls, 1 import');
		expect(compact(950)).toBe('950');
		expect(compact(9500)).toBe('9.5k');
		expect(compact(12_345)).toBe('12k');
		expect(compact(1_200_000)).toBe('1.2M');
		expect(fitLabel('short', 100)).toBe('short');
		expect(fitLabel('common/core/src/events', 77)).toBe('…src/events');
	});

	it('moves between boxes with the arrow keys', () => {
		const map = buildMap(arch, { scope: '', sizeBy: 'symbols', showAll: false });
		const at = (key: string) => map.view.units.findIndex((u) => u.key === key);
		expect(neighbourBox(map.layout, at('app'), 'ArrowDown')).toBe(at('api'));
		expect(neighbourBox(map.layout, at('api'), 'ArrowUp')).toBe(at('app'));
		const row = map.layout.order[map.layout.boxes[at('storage')].row];
		expect(neighbourBox(map.layout, row[0], 'ArrowRight')).toBe(row[1]);
		expect(neighbourBox(map.layout, row[0], 'ArrowLeft')).toBe(row[0]);
		expect(neighbourBox(map.layout, at('app'), 'ArrowUp')).toBe(at('app'));
	});
});

describe('the panel of a box', async () => {
	const { boxDetail, modulesOfKey } = await import('./detail');
	const arch = buildArchitecture(layeredDocpack());
	const name = (m: number) => arch.modules[m].name;

	it('shows a module with its dependencies both ways', () => {
		const d = boxDetail(arch, 'module:storage')!;
		expect(d.kind).toBe('module');
		expect(d.doc?.summary).toBe('The storage module.');
		expect(d.dependsOn.map((l) => name(l.module))).toEqual(['cache', 'util']);
		expect(d.usedBy.map((l) => name(l.module))).toEqual(['cache', 'core']);
		expect(d.top.map((s) => s.name)).toEqual(['save', 'load']);
		expect(boxDetail(arch, 'module:nope')).toBeNull();
	});

	it('sums a folded directory and leaves out the links inside it', () => {
		const nested = buildArchitecture({
			...layeredDocpack(),
			docs: {},
			graph: { nodes: [], edges: [...layeredDocpack().graph.edges].filter((e) => !e.from.startsWith('module:')) }
		});
		expect(modulesOfKey(nested, 'dir:.').length).toBe(nested.modules.length);
		const all = boxDetail(nested, 'dir:.')!;
		expect(all.kind).toBe('directory');
		expect(all.dependsOn).toEqual([]);
		expect(all.symbols).toBe(12);
		expect(all.top[0].name).toBe('fmt');
	});
});

describe('cycle mates', async () => {
	const { cycleMates } = await import('./detail');
	it('names the modules in a cycle with each module', () => {
		const arch = buildArchitecture(layeredDocpack());
		const mates = cycleMates(arch);
		const at = (n: string) => arch.modules.findIndex((m) => m.name === n);
		expect([...mates[at('storage')]]).toEqual([at('cache')]);
		expect(mates[at('core')].size).toBe(0);
	});
});
