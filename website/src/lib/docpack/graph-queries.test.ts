// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocpack } from './read';
import {
	MAX_VISITED,
	QueryGraph,
	compareStrings,
	computeFlows,
	entryKind,
	flowsThrough,
	impact,
	queryGraph,
	viewFlow,
	allFlows,
	flowsInBackground,
	flowsReady
} from './graph-queries';
import { lnInt } from './ln-table';
import { call, shopDocpack, symbol } from '../../test-helpers';

const names = (list: { qualified_name: string }[]) => list.map((s) => s.qualified_name);

describe('impact', () => {
	const g = queryGraph(shopDocpack());

	it('lists what reaches a symbol by depth, with its tests and modules', () => {
		const r = impact(g, 'sym:shop.pricing.tax_for', 3)!;
		expect(r.depth).toBe(3);
		expect(r.affected.map((a) => `d${a.depth} ${a.symbol.name} ${a.via}`)).toEqual([
			'd1 price_order calls',
			'd2 place_order calls',
			'd2 refund_order calls',
			'd3 create_order_route calls',
			'd3 refund_route calls'
		]);
		expect(r.byDepth).toEqual([1, 2, 2]);
		expect(names(r.tests)).toEqual(['tests.test_orders.test_place_order_rejects_empty', 'tests.test_pricing.test_price_includes_tax']);
		expect(r.modules).toEqual([{ name: 'shop', count: 5 }]);
		expect(r.importingFiles).toEqual(['shop/orders.py', 'tests/test_pricing.py']);
		expect(r.truncated).toBe(false);
	});

	it('stops at the depth asked for, counting only the depths it found', () => {
		const one = impact(g, 'sym:shop.pricing.tax_for', 1)!;
		expect(one.affected.map((a) => a.symbol.name)).toEqual(['price_order']);
		expect(names(one.tests)).toEqual(['tests.test_pricing.test_price_includes_tax']);
		const five = impact(g, 'sym:shop.pricing.tax_for', 5)!;
		expect(five.byDepth).toEqual([1, 2, 2]);
		expect(impact(g, 'sym:shop.pricing.tax_for', 0)!.depth).toBe(1);
		expect(impact(g, 'sym:shop.pricing.tax_for', 99)!.depth).toBe(10);
	});

	it('follows references, and reports a symbol nothing reaches', () => {
		const rates = impact(g, 'sym:shop.pricing.TAX_RATES', 1)!;
		expect(rates.affected).toEqual([{ symbol: g.symbols[9], depth: 1, via: 'references' }]);
		const main = impact(g, 'sym:shop.web.main', 3)!;
		expect(main.affected).toEqual([]);
		expect(main.byDepth).toEqual([0]);
		expect(main.tests).toEqual([]);
		expect(impact(g, 'sym:nope')).toBeNull();
	});

	it(`stops after ${MAX_VISITED} symbols`, () => {
		const n = MAX_VISITED + 5;
		const symbols = Array.from({ length: n }, (_, i) => symbol({ q: `m.f${i}`, path: 'm.py' }));
		const edges = symbols.slice(1).map((s) => call(s.qualified_name, 'm.f0'));
		const big = new QueryGraph({ symbols, graph: { nodes: [], edges }, docs: {} });
		const r = impact(big, 'sym:m.f0', 1)!;
		expect(r.truncated).toBe(true);
		expect(r.affected).toHaveLength(MAX_VISITED - 1);
	});
});

describe('flows', () => {
	const g = queryGraph(shopDocpack());

	it('starts at main and the routes, follows the largest subtree and ranks by score', () => {
		const flows = flowsThrough(g, null);
		expect(flows.map((f) => `[${f.kind}] ${f.name} (${f.reach})`)).toEqual([
			'[main] main → cli → monthly_report → connect (4)',
			'[route] create_order_route → place_order → price_order → apply_discount (9)',
			'[route] refund_route → refund_order → price_order → apply_discount (8)'
		]);
		// weight × (ln(1 + reach) + ½ × modules)
		expect(flows[0].score).toBe(Math.round(4 * (Math.log(5) + 0.5) * 1000) / 1000);
		expect(flows[1].score).toBe(Math.round(3 * (Math.log(10) + 0.5) * 1000) / 1000);
		expect(flows[1].modules).toEqual(['shop']);
		expect(names(flows[1].path)).toEqual([
			'shop.web.create_order_route',
			'shop.orders.place_order',
			'shop.pricing.price_order',
			'shop.pricing.apply_discount'
		]);
	});

	it('lists the flows through a symbol', () => {
		expect(flowsThrough(g, 'sym:shop.pricing.tax_for').map((f) => f.entry.name)).toEqual(['create_order_route', 'refund_route']);
		expect(flowsThrough(g, 'sym:shop.storage.connect').map((f) => f.entry.name)).toEqual(['main', 'create_order_route', 'refund_route']);
		expect(flowsThrough(g, 'sym:tests.test_pricing.test_discount')).toEqual([]);
		expect(flowsThrough(g, 'sym:shop.storage.connect', 'route')).toHaveLength(2);
		expect(flowsThrough(g, 'sym:nope')).toEqual([]);
	});

	it('is computed once per graph', () => {
		expect(allFlows(g)).toBe(allFlows(g));
		expect(queryGraph(shopDocpack())).not.toBe(g);
	});

	it('recognises commands, handlers and public APIs, not tests or called code', () => {
		const symbols = [
			symbol({ q: 'app.serve', path: 'app.py', attributes: ['@click.command()'] }),
			symbol({ q: 'app.register', path: 'app.py', visibility: 'private' }),
			symbol({ q: 'app.on_message', path: 'app.py' }),
			symbol({ q: 'app.Client.fetch', path: 'app.py', kind: 'method' }),
			symbol({ q: 'app.parse', path: 'app.py' }),
			symbol({ q: 'app.decode', path: 'app.py' }),
			symbol({ q: 'app.helper', path: 'app.py', visibility: 'private' }),
			symbol({ q: 'tests.test_fetch', path: 'tests/test_app.py', role: 'test' }),
			symbol({ q: 'app.Config', path: 'app.py', kind: 'class' })
		];
		const edges = [
			call('app.serve', 'app.register'),
			call('app.register', 'app.on_message', 0.9, 'references'),
			call('app.on_message', 'app.parse'),
			call('app.Client.fetch', 'app.parse'),
			call('app.Client.fetch', 'app.decode'),
			call('app.helper', 'app.parse'),
			call('app.helper', 'app.decode'),
			call('tests.test_fetch', 'app.Client.fetch'),
			call('tests.test_fetch', 'app.decode')
		];
		const small = new QueryGraph({ symbols, graph: { nodes: [], edges }, docs: {} });
		expect(symbols.map((_, i) => entryKind(small, i))).toEqual(['command', null, 'handler', 'api', null, null, null, null, null]);
		expect(computeFlows(small).map((f) => viewFlow(small, f).name)).toEqual([
			'serve → register → on_message → parse',
			'on_message → parse',
			'fetch → parse'
		]);
	});
});

describe('flow scores', () => {
	it('break mathematical ties by qualified name, as the engine does', () => {
		// A handler reaching 2 symbols in 1 module scores 2 × (ln 3 + ½) and a
		// public API reaching 9 in 2 modules ln 9 + 1: equal, when ln rounds correctly.
		const symbols = [
			symbol({ q: 'z.run', path: 'z/run.py' }),
			...['a', 'b', 'c'].map((x) => symbol({ q: `z.${x}`, path: 'z/x.py' })),
			...['d', 'e', 'f', 'g'].map((x) => symbol({ q: `y.${x}`, path: 'y/x.py' })),
			symbol({ q: 'h.register', path: 'h/h.py' }),
			symbol({ q: 'h.on_event', path: 'h/h.py' }),
			symbol({ q: 'h.work', path: 'h/h.py' })
		];
		const edges = [
			...symbols.slice(1, 8).map((s) => call('z.run', s.qualified_name)),
			call('h.register', 'h.on_event', 1, 'references'),
			call('h.on_event', 'h.work')
		];
		const module = (name: string) => ({
			id: `module:${name}`,
			name,
			documentation: { summary: '', source: 'facts' as const },
			symbols: symbols.filter((s) => s.qualified_name.startsWith(`${name}.`)).map((s) => s.id)
		});
		const g = new QueryGraph({ symbols, graph: { nodes: [], edges }, docs: { modules: ['h', 'y', 'z'].map(module) } });
		const flows = computeFlows(g).map((f) => viewFlow(g, f));
		expect(flows.map((f) => [f.entry.qualified_name, f.kind, f.reach, f.modules.length, f.score])).toEqual([
			['h.on_event', 'handler', 2, 1, 3.197],
			['z.run', 'api', 8, 2, 3.197]
		]);
		expect(lnInt(3)).toBe(1.0986122886681098);
		for (let k = 1; k <= 600; k++) expect(Math.abs(lnInt(k) - Math.log(k))).toBeLessThanOrEqual(Number.EPSILON * Math.log(k));
	});

	it('can be found in the background, in slices, once', async () => {
		// 600 public functions, each calling the next two: 256 symbols are tried per slice.
		const symbols = Array.from({ length: 600 }, (_, i) => symbol({ q: `m.f${i}`, path: 'm.py', centrality: (i % 7) / 10 }));
		const edges = symbols.flatMap((s, i) => [i + 1, i + 2].filter((j) => j < 600 && i % 50 !== 49).map((j) => call(s.qualified_name, `m.f${j}`)));
		const g = new QueryGraph({ symbols, graph: { nodes: [], edges }, docs: {} });
		const first = flowsInBackground(g, 0);
		expect(flowsReady(g)).toBe(false);
		expect(flowsInBackground(g)).toBe(first);
		const flows = await first;
		expect(flowsReady(g)).toBe(true);
		expect(allFlows(g)).toBe(flows);
		expect(await flowsInBackground(g)).toBe(flows);
		expect(flows.length).toBeGreaterThan(0);
		expect(flows.map((f) => viewFlow(g, f))).toEqual(computeFlows(g).map((f) => viewFlow(g, f)));
	});
});

describe('compareStrings', () => {
	it('orders by code point', () => {
		expect(['b', 'a', 'ab', '\u{1F600}', '\uFFFD'].sort(compareStrings)).toEqual(['a', 'ab', 'b', '\uFFFD', '\u{1F600}']);
	});
});

describe('the CLI-built shop docpack', () => {
	// tests/fixtures/make-shop-docpack.sh; answers from functions/cli/tests/golden/query/.
	const file = readFileSync(new URL('../../../tests/fixtures/shop.docpack', import.meta.url));

	it('gives the answers of the query engine', async () => {
		const docpack = await readDocpack(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
		const g = queryGraph(docpack);
		const taxFor = docpack.symbols.find((s) => s.qualified_name === 'shop.pricing.tax_for')!;
		const r = impact(g, taxFor.id, 3)!;
		// impact-tax_for.txt
		expect(r.affected.map((a) => `d${a.depth} ${a.symbol.qualified_name} via ${a.via}`)).toEqual([
			'd1 shop.pricing.price_order via calls',
			'd2 shop.orders.refund_order via calls',
			'd2 shop.orders.place_order via calls',
			'd3 shop.web.refund_route via calls',
			'd3 shop.web.create_order_route via calls'
		]);
		expect(r.byDepth).toEqual([1, 2, 2]);
		expect(r.modules).toEqual([{ name: 'shop', count: 5 }]);
		expect(names(r.tests)).toEqual(['tests.test_orders.test_place_order_rejects_empty', 'tests.test_pricing.test_price_includes_tax']);
		expect(r.importingFiles).toEqual(['shop/orders.py', 'tests/test_pricing.py']);
		// flows.txt
		expect(flowsThrough(g, null).map((f) => `[${f.kind}] ${f.name}  (reaches ${f.reach}, ${f.modules.length} modules)`)).toEqual([
			'[main] main → cli → monthly_report → connect  (reaches 4, 1 modules)',
			'[route] create_order_route → place_order → price_order → apply_discount  (reaches 8, 1 modules)',
			'[route] refund_route → refund_order → price_order → apply_discount  (reaches 7, 1 modules)'
		]);
	});
});
