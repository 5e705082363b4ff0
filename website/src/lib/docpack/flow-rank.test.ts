import { describe, expect, it } from 'vitest';
import { computeFlows, QueryGraph } from './graph-queries';
import { dedupeFlows, flowsThroughSymbol, isAuxiliaryPath, rankFlows } from './flow-rank';
import type { Docpack, Edge, SymbolNode } from './types';
import { call, shopDocpack, symbol } from '../../test-helpers';

/**
 * A CLI shaped like Doctown's: `main` (main.rs) hands off to `main`
 * (lib.rs), which dispatches to `build` (the product: parse → store, central
 * code) and `local_test` (a RunPod-style local test path reaching more
 * symbols, in a test-ish file). A second binary, `bench_main`, in benches/.
 */
function cliDocpack(): Docpack {
	const specs: [string, string, number?][] = [
		['cli.main', 'cli/src/main.rs'],
		['cli.lib.main', 'cli/src/lib.rs'],
		['cli.lib.dispatch', 'cli/src/lib.rs'],
		['cli.build.build', 'cli/src/build.rs', 0.2],
		['core.parse.parse', 'core/src/parse.rs', 0.9],
		['core.store.put', 'core/src/store.rs', 0.8],
		['worker.local_test.run_local_test', 'worker/src/local_test.rs'],
		['worker.local_test.fake_job', 'worker/src/local_test.rs'],
		['worker.local_test.fake_stage', 'worker/src/local_test.rs'],
		['worker.local_test.fake_unit', 'worker/src/local_test.rs'],
		['worker.local_test.fake_more', 'worker/src/local_test.rs'],
		['benches.bench.bench_main', 'benches/bench.rs'],
		['benches.bench.setup', 'benches/bench.rs']
	];
	const symbols: SymbolNode[] = specs.map(([q, path, centrality = 0.05]) => ({
		...symbol({ q, path, centrality }),
		name: q === 'benches.bench.bench_main' ? 'main' : q.split('.').pop()!,
		language: 'rust'
	}));
	const edges: Edge[] = [
		call('cli.main', 'cli.lib.main'),
		call('cli.lib.main', 'cli.lib.dispatch'),
		call('cli.lib.dispatch', 'worker.local_test.run_local_test'),
		call('cli.lib.dispatch', 'cli.build.build'),
		call('cli.build.build', 'core.parse.parse'),
		call('core.parse.parse', 'core.store.put'),
		call('worker.local_test.run_local_test', 'worker.local_test.fake_job'),
		call('worker.local_test.fake_job', 'worker.local_test.fake_stage'),
		call('worker.local_test.fake_stage', 'worker.local_test.fake_unit'),
		call('worker.local_test.fake_unit', 'worker.local_test.fake_more'),
		call('benches.bench.bench_main', 'benches.bench.setup'),
		call('benches.bench.setup', 'cli.build.build')
	];
	return { ...shopDocpack(), symbols, graph: { nodes: [], edges }, docs: {} };
}

const g = new QueryGraph(cliDocpack());
const name = (i: number) => g.symbols[i].qualified_name;

describe('flows ranked for a visitor', () => {
	const ranked = rankFlows(g, computeFlows(g));

	it('puts the product’s main path first, off the local-test path', () => {
		expect(name(ranked[0].entry)).toBe('cli.main');
		expect(ranked[0].path.map(name)).toEqual(['cli.main', 'cli.lib.main', 'cli.lib.dispatch', 'cli.build.build', 'core.parse.parse', 'core.store.put']);
	});

	it('collapses `main → main → …` into one flow', () => {
		expect(ranked.filter((f) => name(f.entry) === 'cli.lib.main')).toEqual([]);
		expect(ranked.filter((f) => g.symbols[f.entry].name === 'main')).toHaveLength(2);
	});

	it('ranks a flow that starts in a benchmark below the product’s', () => {
		const order = ranked.map((f) => name(f.entry));
		expect(order.indexOf('benches.bench.bench_main')).toBeGreaterThan(order.indexOf('cli.main'));
	});

	it('shows a symbol’s flows along a path that contains it, once', () => {
		const through = flowsThroughSymbol(g, computeFlows(g), g.symbols[g.index.get('sym:worker.local_test.fake_stage')!].id);
		expect(through.map((f) => f.path.map((s) => s.name).join(' → '))).toEqual(['main → dispatch → run_local_test → fake_job → fake_stage']);
		expect(through[0].entry.path).toBe('cli/src/main.rs');
	});
});

describe('near-duplicate flows', () => {
	it('keeps the first of paths that are equal or prefixes of one another', () => {
		const kept = dedupeFlows([[1, 2, 3], [1, 2], [1, 2, 3, 4], [1, 3], [5]], (p) => p);
		expect(kept).toEqual([[1, 2, 3], [1, 3], [5]]);
	});
});

describe('auxiliary code', () => {
	it('is tests, local tests, examples, benchmarks, debug code and scripts', () => {
		for (const p of ['functions/worker/src/runpod/local_test.rs', 'common/extract/tests/x.rs', 'a/examples/bench.rs', 'benches/accounts.rs', 'scripts/eval.py', 'src/debug.rs', 'src/foo_test.go', 'web/app.spec.ts']) {
			expect(isAuxiliaryPath(p), p).toBe(true);
		}
		for (const p of ['functions/cli/src/main.rs', 'common/store/src/local.rs', 'src/testament.rs', 'src/latest.rs']) {
			expect(isAuxiliaryPath(p), p).toBe(false);
		}
	});
});
