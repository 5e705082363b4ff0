import { describe, expect, it } from 'vitest';
import { EdgeTable, edgeCount, forEachEdge } from './edges';
import type { Edge } from './types';

describe('edges in columns', () => {
	const edges: Edge[] = Array.from({ length: 3000 }, (_, i) => ({
		from: `n${i % 50}`,
		to: `n${(i * 7) % 61}`,
		kind: (['calls', 'contains', 'imports', 'future_kind'] as Edge['kind'][])[i % 4],
		weight: i % 3 === 0 ? 0.8 : 1,
		...(i % 4 === 0 ? { provenance: 'import' as const, confidence: i % 8 === 0 ? 0.6 : 0.95 } : {})
	}));
	const table = EdgeTable.of(edges);

	it('gives back the same edges, unknown kinds included', () => {
		expect(table.length).toBe(3000);
		expect([...table]).toEqual(edges);
		expect(edgeCount(table)).toBe(3000);
		expect(EdgeTable.of(table)).toBe(table);
	});

	it('reads without objects, and by node', () => {
		const seen: string[] = [];
		forEachEdge(table, (from, to, kind, confidence) => seen.push(`${from}>${to} ${kind} ${confidence}`));
		const expected: string[] = [];
		forEachEdge(edges, (from, to, kind, confidence) => expected.push(`${from}>${to} ${kind} ${confidence}`));
		expect(seen).toEqual(expected);
		const out = [...table.outOf('n3')].map((i) => table.get(i));
		expect(out).toEqual(edges.filter((e) => e.from === 'n3'));
		const into = [...table.into('n7')].map((i) => table.get(i));
		expect(into).toEqual(edges.filter((e) => e.to === 'n7'));
		expect(table.outOf('missing')).toHaveLength(0);
	});
});
