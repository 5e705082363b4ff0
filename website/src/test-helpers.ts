// Test helpers: the fixture docpack as a model, without going through the reader,
// and a hand-made docpack with a known call graph (the shape of the CLI's shop).
import { smallFixture } from '../tests/fixtures/fixtures.mjs';
import { DocpackModel } from '$lib/docpack/model';
import type { Docpack, Edge, FileRole, SymbolNode } from '$lib/docpack/types';

export function fixtureModel(): DocpackModel {
	// The fixture is untyped JavaScript; its shapes follow the docpack types.
	const { parts, manifest, id, bytes } = smallFixture() as any;
	const rows = [...parts.embeddings.rows].sort((a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1));
	const dims: number = parts.embeddings.dims;
	const vectors = new Float32Array(rows.length * dims);
	rows.forEach((r: { vector: number[] }, i: number) => vectors.set(r.vector, i * dims));
	const docpack: Docpack = {
		manifest,
		symbols: parts.nodes.symbols,
		graph: parts.graph,
		clusters: parts.clusters.clusters,
		files: parts.source_map.files,
		docs: parts.docs,
		embeddings: { dims, ids: rows.map((r: { id: string }) => r.id), vectors },
		symbolContexts: parts.symbol_contexts.contexts,
		verification: { docpackId: id, entries: manifest.checksum.entries, ignored: [], compressedSize: bytes.length, uncompressedSize: 0 }
	};
	return new DocpackModel(docpack);
}

export interface Spec {
	q: string;
	path: string;
	role?: FileRole;
	centrality?: number;
	attributes?: string[];
	kind?: SymbolNode['kind'];
	visibility?: SymbolNode['visibility'];
}

export function symbol({ q, path, role = 'source', centrality = 0.1, attributes, kind = 'function', visibility = 'public' }: Spec): SymbolNode {
	return {
		id: `sym:${q}`,
		name: q.split('.').pop()!,
		kind,
		qualified_name: q,
		language: 'python',
		path,
		range: { start_byte: 0, end_byte: 1, start_line: 1, end_line: 1 },
		signature: `def ${q.split('.').pop()}()`,
		visibility,
		attributes,
		role,
		centrality
	};
}

export const call = (from: string, to: string, confidence: number | null = 0.95, kind: Edge['kind'] = 'calls'): Edge => ({
	from: `sym:${from}`,
	to: `sym:${to}`,
	kind,
	weight: 1,
	confidence
});

/**
 * The shape of the CLI's query fixture (functions/cli/tests/fixtures/shop):
 * routes create_order_route/refund_route → place_order/refund_order →
 * price_order → apply_discount/tax_for, a command line main → cli →
 * monthly_report → connect, and tests over orders and pricing.
 */
export function shopDocpack(): Docpack {
	const orders = 'shop/orders.py';
	const pricing = 'shop/pricing.py';
	const storage = 'shop/storage.py';
	const web = 'shop/web.py';
	const reports = 'shop/reports.py';
	const symbols = [
		symbol({ q: 'shop.web.create_order_route', path: web, attributes: ['@app.route("/orders", methods=["POST"])'] }),
		symbol({ q: 'shop.web.refund_route', path: web, attributes: ['@app.route("/refunds", methods=["POST"])'] }),
		symbol({ q: 'shop.web.cli', path: web, centrality: 0.3 }),
		symbol({ q: 'shop.web.main', path: web }),
		symbol({ q: 'shop.orders.validate_order', path: orders, centrality: 0.25 }),
		symbol({ q: 'shop.orders.place_order', path: orders, centrality: 0.31 }),
		symbol({ q: 'shop.orders.refund_order', path: orders, centrality: 0.3 }),
		symbol({ q: 'shop.pricing.apply_discount', path: pricing, centrality: 0.33 }),
		symbol({ q: 'shop.pricing.tax_for', path: pricing, centrality: 0.33 }),
		symbol({ q: 'shop.pricing.price_order', path: pricing, centrality: 0.38 }),
		symbol({ q: 'shop.pricing.TAX_RATES', path: pricing, kind: 'constant' }),
		symbol({ q: 'shop.reports.monthly_report', path: reports, centrality: 0.43 }),
		symbol({ q: 'shop.storage.connect', path: storage, centrality: 1 }),
		symbol({ q: 'shop.storage.save_order', path: storage, centrality: 0.25 }),
		symbol({ q: 'shop.storage.load_order', path: storage, centrality: 0.29 }),
		symbol({ q: 'tests.test_orders.test_place_order_rejects_empty', path: 'tests/test_orders.py', role: 'test', centrality: 0.2 }),
		symbol({ q: 'tests.test_pricing.test_price_includes_tax', path: 'tests/test_pricing.py', role: 'test', centrality: 0.1 }),
		symbol({ q: 'tests.test_pricing.test_discount', path: 'tests/test_pricing.py', role: 'test' })
	];
	const files = [...new Set(symbols.map((s) => s.path))];
	const edges: Edge[] = [
		...files.map((f) => ({ from: `module:${f.split('/')[0]}`, to: `file:${f}`, kind: 'contains' as const })),
		...symbols.map((s) => ({ from: `file:${s.path}`, to: s.id, kind: 'contains' as const })),
		{ from: 'file:shop/orders.py', to: 'file:shop/pricing.py', kind: 'imports' },
		{ from: 'file:tests/test_pricing.py', to: 'file:shop/pricing.py', kind: 'imports' },
		call('shop.web.create_order_route', 'shop.orders.place_order'),
		call('shop.web.refund_route', 'shop.orders.refund_order'),
		call('shop.web.main', 'shop.web.cli'),
		call('shop.web.cli', 'shop.reports.monthly_report'),
		call('shop.reports.monthly_report', 'shop.storage.connect'),
		call('shop.orders.place_order', 'shop.orders.validate_order'),
		call('shop.orders.place_order', 'shop.pricing.price_order'),
		call('shop.orders.place_order', 'shop.storage.save_order'),
		call('shop.orders.refund_order', 'shop.storage.load_order'),
		call('shop.orders.refund_order', 'shop.pricing.price_order', null), // absent confidence: certain
		call('shop.pricing.price_order', 'shop.pricing.apply_discount'),
		call('shop.pricing.price_order', 'shop.pricing.tax_for'),
		call('shop.pricing.price_order', 'shop.pricing.TAX_RATES', 0.95, 'references'),
		call('shop.storage.save_order', 'shop.storage.connect'),
		call('shop.storage.load_order', 'shop.storage.connect'),
		call('tests.test_orders.test_place_order_rejects_empty', 'shop.orders.place_order'),
		call('tests.test_pricing.test_price_includes_tax', 'shop.pricing.price_order'),
		call('tests.test_pricing.test_discount', 'shop.pricing.apply_discount'),
		call('shop.orders.place_order', 'tests.test_orders.test_place_order_rejects_empty', 0.95, 'tested_by'),
		call('shop.pricing.price_order', 'tests.test_pricing.test_price_includes_tax', 0.95, 'tested_by'),
		call('shop.pricing.apply_discount', 'tests.test_pricing.test_discount', 0.95, 'tested_by'),
		// Guesses, which graph questions ignore.
		call('shop.storage.connect', 'shop.pricing.tax_for', 0.6),
		call('shop.pricing.tax_for', 'tests.test_pricing.test_discount', 0.6, 'tested_by'),
		call('shop.web.main', 'shop.web.refund_route', 0.7, 'references')
	];
	return {
		manifest: { source: { name: 'shop' } } as Docpack['manifest'],
		symbols,
		graph: {
			nodes: [
				{ id: 'module:shop', kind: 'module', name: 'shop', path: 'shop' },
				{ id: 'module:tests', kind: 'module', name: 'tests', path: 'tests' }
			],
			edges
		},
		clusters: [],
		files: [],
		docs: {
			modules: [
				{ id: 'module:shop', name: 'shop', path: 'shop', documentation: { summary: 'Orders.', source: 'facts' } },
				{ id: 'module:tests', name: 'tests', path: 'tests', documentation: { summary: 'Tests.', source: 'facts' } }
			]
		},
		embeddings: null,
		symbolContexts: null,
		verification: {} as Docpack['verification']
	};
}

/**
 * A docpack of seven modules in layers, with a cycle: app → api → core →
 * {storage, util}; storage ⇄ cache (a cycle); storage → util; a guess util
 * → app (confidence 0.6, no dependency); tests → core (test code, no
 * dependency); docs has no code that depends on anything.
 */
export function layeredDocpack(): Docpack {
	const f = (m: string, name: string) => `${m}/${name}.py`;
	const spec: [string, string, number][] = [
		['app', 'main', 0.2],
		['app', 'run', 0.1],
		['api', 'handle', 0.4],
		['api', 'route', 0.3],
		['core', 'process', 0.6],
		['core', 'validate', 0.5],
		['storage', 'save', 0.7],
		['storage', 'load', 0.65],
		['cache', 'lookup', 0.45],
		['util', 'fmt', 0.9],
		['docs', 'example', 0.01]
	];
	const symbols: SymbolNode[] = spec.map(([m, name, centrality]) => ({
		...symbol({ q: `${m}.${name}`, path: f(m, name), centrality }),
		cluster: m === 'storage' || m === 'cache' ? 'c-persist' : undefined
	}));
	symbols.push(symbol({ q: 'tests.test_core', path: 'tests/test_core.py', role: 'test' }));
	const files = [...new Set(symbols.map((s) => s.path))];
	const edges: Edge[] = [
		...files.map((p) => ({ from: `module:${p.split('/')[0]}`, to: `file:${p}`, kind: 'contains' as const })),
		...symbols.map((s) => ({ from: `file:${s.path}`, to: s.id, kind: 'contains' as const })),
		{ from: 'file:app/main.py', to: 'file:api/handle.py', kind: 'imports' },
		call('app.main', 'api.handle'),
		call('app.run', 'app.main'),
		call('api.handle', 'core.process'),
		call('api.route', 'core.validate', null),
		call('core.process', 'storage.save'),
		call('core.process', 'util.fmt'),
		call('core.validate', 'util.fmt', 0.9, 'references'),
		call('storage.save', 'cache.lookup'),
		call('storage.load', 'util.fmt'),
		call('cache.lookup', 'storage.load'),
		call('util.fmt', 'app.run', 0.6),
		call('tests.test_core', 'core.process'),
		call('core.process', 'tests.test_core', 0.95, 'tested_by')
	];
	const modules = ['api', 'app', 'cache', 'core', 'docs', 'storage', 'tests', 'util'];
	return {
		manifest: { source: { name: 'layered' } } as Docpack['manifest'],
		symbols,
		graph: { nodes: modules.map((m) => ({ id: `module:${m}`, kind: 'module' as const, name: m, path: m })), edges },
		clusters: [
			{ id: 'c-persist', label: 'persistence', method: 'test', members: symbols.filter((s) => s.cluster === 'c-persist').map((s) => s.id) }
		],
		files: files.map((path) => ({ path, language: 'python' as const, sha256: '', size_bytes: 100, lines: 10 + path.length, role: path.startsWith('tests/') ? ('test' as const) : ('source' as const), chunks: [] })),
		docs: {
			architecture: { documentation: { summary: 'Seven modules in layers.', source: 'facts' } },
			modules: modules.filter((m) => m !== 'docs').map((m) => ({ id: `module:${m}`, name: m, path: m, documentation: { summary: `The ${m} module.`, source: 'facts' as const } }))
		},
		embeddings: null,
		symbolContexts: null,
		verification: {} as Docpack['verification']
	};
}
