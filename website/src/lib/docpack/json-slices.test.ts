import { describe, expect, it } from 'vitest';
import { forEachSlice, parseObjectInSlices, topLevelMembers } from './json-slices';

const enc = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');

describe('canonical JSON in slices', () => {
	const value = {
		edges: Array.from({ length: 500 }, (_, i) => ({ from: `a${i}`, to: `b${i}`, kind: i % 2 ? 'calls' : 'contains', note: 'x\n  ] }, "tricky": [' })),
		metrics: { density: 0.5, edges_by_kind: { calls: 250 } },
		empty: [],
		nodes: [{ id: 'n', list: [1, 2, [3]] }],
		scalar: 'last'
	};
	const bytes = enc(value);

	it('finds the top-level members', () => {
		expect(topLevelMembers(bytes)?.map((m) => `${m.key}:${m.array}`)).toEqual(['edges:true', 'metrics:false', 'empty:true', 'nodes:true', 'scalar:false']);
		expect(topLevelMembers(new TextEncoder().encode(JSON.stringify(value)))).toBeNull();
	});

	it('parses slices to the same value, whatever the slice size', async () => {
		for (const sliceBytes of [1, 100, 5000, 1 << 20]) {
			let pauses = 0;
			const parsed = await parseObjectInSlices(bytes, { edges: true, nodes: true, empty: true }, { sliceBytes, pause: () => void pauses++ });
			expect(parsed).toEqual(value);
			if (sliceBytes === 100) expect(pauses).toBeGreaterThan(100);
		}
	});

	it('maps and drops elements', async () => {
		const parsed = await parseObjectInSlices(bytes, { edges: (e) => ((e as { kind: string }).kind === 'calls' ? (e as { to: string }).to : undefined) }, { sliceBytes: 1000 });
		expect(parsed.edges).toHaveLength(250);
		expect((parsed.edges as string[])[0]).toBe('b1');
		expect(parsed.metrics).toEqual(value.metrics);
	});

	it('rewrites slices before parsing', async () => {
		const parsed = await parseObjectInSlices(bytes, { edges: true }, { sliceBytes: 700, rewrite: (t) => t.replace(/,\n\s*"note": "(?:[^"\\\n]|\\.)*"/g, '') });
		expect((parsed.edges as object[])[3]).toEqual({ from: 'a3', to: 'b3', kind: 'calls' });
	});

	it('parses JSON that is not canonical whole', async () => {
		const compact = new TextEncoder().encode(JSON.stringify(value));
		expect(await parseObjectInSlices(compact, { edges: true })).toEqual(value);
	});

	it('hands out slice texts', async () => {
		const members = topLevelMembers(bytes)!;
		let count = 0;
		await forEachSlice(bytes, members[0], (text) => (count += JSON.parse(`[${text}]`).length), { sliceBytes: 2000 });
		expect(count).toBe(500);
	});
});

describe('canonical JSON as it arrives', async () => {
	const { StreamingSlices } = await import('./json-slices');
	const value = {
		edges: Array.from({ length: 400 }, (_, i) => ({ from: `a${i}`, to: `b${i}`, kind: i % 2 ? 'calls' : 'contains', note: 'x\n  ] }, "t": [' })),
		metrics: { density: 0.5 },
		nodes: [{ id: 'n', list: [1, [2]] }, { id: 'm' }],
		scalar: 3
	};
	const bytes = enc(value);

	it('parses what arrived, whatever the chunk sizes, to the whole value', () => {
		for (const chunk of [1, 37, 1000, 100000]) {
			const s = new StreamingSlices({ edges: true, nodes: true }, 700);
			for (let filled = chunk; filled < bytes.length; filled += chunk) s.feed(bytes, filled);
			expect(s.finish(bytes)).toEqual(value);
		}
	});

	it('maps elements, and gives up on JSON that is not canonical', () => {
		const s = new StreamingSlices({ edges: (e) => ((e as { kind: string }).kind === 'calls' ? 1 : undefined) }, 500);
		s.feed(bytes, bytes.length >> 1);
		expect((s.finish(bytes)!.edges as number[]).length).toBe(200);
		const compact = new TextEncoder().encode(JSON.stringify(value));
		const c = new StreamingSlices({ edges: true });
		c.feed(compact, compact.length >> 1);
		expect(c.finish(compact)).toBeNull();
	});
});

describe('a part in chunks, never held whole', async () => {
	const { SliceSink } = await import('./json-slices');
	const value = {
		edges: Array.from({ length: 3000 }, (_, i) => ({ from: `a${i}`, to: `b${i}`, kind: i % 2 ? 'calls' : 'contains' })),
		metrics: { density: 0.5 },
		nodes: Array.from({ length: 500 }, (_, i) => ({ id: `n${i}`, kind: i % 5 ? 'symbol' : 'module' })),
		tail: 'x'
	};
	const bytes = enc(value);

	it('parses chunk by chunk to the whole value, dropping what it parsed', async () => {
		for (const chunk of [97, 4096, 50_000]) {
			const sink = new SliceSink({ edges: true, nodes: (n) => ((n as { kind: string }).kind === 'module' ? n : undefined) }, { sliceBytes: 3000 });
			for (let at = 0; at < bytes.length; at += chunk) sink.push(bytes.slice(at, at + chunk));
			const got = await sink.finish();
			expect(got.edges).toEqual(value.edges);
			expect(got.nodes).toEqual(value.nodes.filter((n) => n.kind === 'module'));
			expect(got.metrics).toEqual(value.metrics);
			expect(got.tail).toBe('x');
			// What it holds stays small: the parsed bytes were dropped.
			expect((sink as unknown as { length: number }).length).toBeLessThan(20_000);
		}
	});

	it('keeps a part that is not canonical whole and parses it at the end', async () => {
		const compact = new TextEncoder().encode(JSON.stringify(value));
		const sink = new SliceSink({ edges: true }, { sliceBytes: 3000 });
		for (let at = 0; at < compact.length; at += 1000) sink.push(compact.slice(at, at + 1000));
		expect((await sink.finish()).edges).toEqual(value.edges);
	});
});
