// @vitest-environment node
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chunked, tar } from '../../../tests/fixtures/docpack-node.mjs';
import { buildEntries } from '../../../tests/bench/make-docpack.mjs';
import { readDocpack } from './read';
import { openInProcess } from './in-process';
import { DetailStore, GROUP, readSummaryBatch, summaryOf, SummaryWriter } from './symbol-table';
import { DocpackModel } from './model';
import type { SymbolNode, SymbolSummary, WholeDocpack } from './types';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../tests/fixtures/${name}`, import.meta.url)));


const withoutWords = ({ words: _, ...s }: SymbolNode & { words?: string }): SymbolNode => s;

/** Every symbol's detail, asked for in a shuffled order and in small requests, as the page asks. */
async function everyDetail(symbols: readonly SymbolSummary[], get: (indices: number[]) => Promise<SymbolNode[]>): Promise<SymbolNode[]> {
	const order = symbols.map((_, i) => i);
	let s = 7;
	for (let i = order.length - 1; i > 0; i--) {
		s = (s * 16807) % 2147483647;
		const j = s % (i + 1);
		[order[i], order[j]] = [order[j], order[i]];
	}
	const out = new Array<SymbolNode>(symbols.length);
	for (let at = 0; at < order.length; at += 37) {
		const ask = order.slice(at, at + 37);
		(await get(ask)).forEach((node, k) => (out[ask[k]] = node));
	}
	return out;
}

describe('symbol detail decoded on demand', () => {
	for (const name of ['shop.docpack', 'layered.docpack']) {
		it(`equals the whole parse for every symbol of ${name}`, async () => {
			const whole = await readDocpack(fixture(name));
			const docpack = await openInProcess(chunked(fixture(name), 1, 5000));
			expect(docpack.symbols).toHaveLength(whole.symbols.length);
			expect(docpack.symbols).toEqual(whole.symbols.map(summaryOf));
			expect(await everyDetail(docpack.symbols, (i) => docpack.details!.get(i))).toEqual(whole.symbols.map(withoutWords));
			// Through the model, by id.
			const model = new DocpackModel(docpack);
			const some = whole.symbols.slice(0, 5);
			expect(await model.details(some.map((s) => s.id))).toEqual(some.map(withoutWords));
			expect(model.detailNow(some[0].id)).toEqual(withoutWords(some[0]));
			expect(await model.detail('no such symbol')).toBeNull();
			// The search's strings came from the worker: the same answers as those built on the page.
			expect(docpack.search).toBeDefined();
			const here = new DocpackModel(whole);
			for (const q of ['a', 'store', whole.symbols[0].name, whole.symbols[3].path.slice(-5), '::']) expect(model.search(q).map((s) => s.id)).toEqual(here.search(q).map((s) => s.id));
		});
	}

	it('equals the whole parse for 20,000 synthetic symbols (several batches and detail groups)', async () => {
		const { entries } = buildEntries(20_000, { seed: 3 });
		const gz = new Uint8Array(gzipSync(tar(entries.map((p: { name: string; chunks: Buffer[] }) => ({ name: p.name, data: Buffer.concat(p.chunks) })))));
		const whole: WholeDocpack = await readDocpack(gz);
		const docpack = await openInProcess(chunked(gz, 11, 60_000));
		expect(docpack.symbols).toEqual(whole.symbols.map(summaryOf));
		expect(await everyDetail(docpack.symbols, (i) => docpack.details!.get(i))).toEqual(whole.symbols.map(withoutWords));
	}, 120_000);

	it('keeps each symbol as written in the summary batches and the detail store, whatever its fields', async () => {
		const node = (i: number, extra: Partial<SymbolNode> = {}): SymbolNode => ({
			id: `sym_${i}`,
			name: `name_${i} ünïcødé`,
			kind: i % 2 ? 'function' : 'struct',
			qualified_name: `a::b::name_${i}`,
			language: 'rust',
			path: `src/f${i % 3}.rs`,
			range: { start_byte: i, end_byte: i + 10, start_line: i + 1, end_line: i + 2, start_column: 0, end_column: 1 },
			signature: `fn name_${i}("quoted\\n")`,
			visibility: 'public',
			...extra
		});
		const nodes = Array.from({ length: GROUP * 2 + 5 }, (_, i) =>
			node(i, i % 5 === 0 ? { parent: 'sym_0', attributes: ['#[get("/x")]'], cluster: 'c1', centrality: 0, role: 'test', doc_comment: 'line\nline' } : {})
		);
		const writer = new SummaryWriter();
		const store = new DetailStore();
		const strings: string[] = [];
		const read: SymbolSummary[] = [];
		nodes.forEach((n, i) => {
			writer.add(n);
			store.add(n);
			if (i % 100 === 99) read.push(...readSummaryBatch(structuredClone(writer.take().batch), strings));
		});
		read.push(...readSummaryBatch(structuredClone(writer.take().batch), strings));
		store.finish();
		expect(read).toEqual(nodes.map(summaryOf));
		// Each path held once.
		expect(strings.filter((s) => s.startsWith('src/'))).toHaveLength(3);
		const check = async () => {
			for (const i of [0, 1, GROUP - 1, GROUP, GROUP * 2 + 4, 17, 0]) expect({ ...read[i], ...(await store.get(i)) }).toEqual(nodes[i]);
			expect(await store.get(nodes.length)).toBeNull();
			expect(await store.get(-1)).toBeNull();
			expect((await store.many([GROUP * 2 + 4, 3, GROUP])).map((d) => d?.signature)).toEqual([GROUP * 2 + 4, 3, GROUP].map((i) => nodes[i].signature));
		};
		// Before the groups are deflated, and after.
		const plain = store.bytes;
		await check();
		await store.settled();
		expect(store.bytes).toBeLessThan(plain / 3);
		await check();
	});
});

describe('the search over joined names', () => {
	/** The search as it was written first: every symbol's lower-cased strings, one by one. */
	function reference(symbols: readonly SymbolSummary[], query: string, limit = 50): string[] {
		const q = query.trim().toLowerCase();
		if (!q) return [];
		const scored: { s: SymbolSummary; score: number }[] = [];
		for (const s of symbols) {
			const name = s.name.toLowerCase();
			let score: number;
			const at = name.indexOf(q);
			if (at >= 0) score = name.length === q.length ? 4 : at === 0 ? 3 : 2;
			else {
				const r = `${s.qualified_name}\u0000${s.path}`.toLowerCase().indexOf(q);
				if (r < 0) continue;
				score = r < s.qualified_name.length ? 1 : 0.5;
			}
			scored.push({ s, score: score + (s.centrality ?? 0) });
		}
		scored.sort((a, b) => b.score - a.score || a.s.name.localeCompare(b.s.name));
		return scored.slice(0, limit).map((x) => x.s.id);
	}

	it('ranks as a symbol-by-symbol scan does, for every query', async () => {
		const whole = await readDocpack(fixture('layered.docpack'));
		const model = new DocpackModel(whole);
		await model.prepareSearch();
		const queries = new Set<string>(['a', 'e', 'x', 'store', '.py', 'src/', '::', 'zzz', ' Get ', 'test']);
		for (const s of whole.symbols.slice(0, 60)) {
			queries.add(s.name);
			queries.add(s.name.slice(1, 4));
			queries.add(s.path.slice(-6));
			queries.add(s.qualified_name.slice(2, 9));
		}
		for (const q of queries) expect(model.search(q, 40, { words: false }).map((s) => s.id), q).toEqual(reference(whole.symbols, q, 40));
	});

	it('finds symbols by what they say, rare words first, when no name holds the query', async () => {
		const whole = await readDocpack(fixture('layered.docpack'));
		const model = new DocpackModel(whole);
		expect(model.searchesWords).toBe(true);
		// No name holds these; doc comments, signatures and code words do.
		expect(model.search('reads a stored value', 5)[0]?.name).toBe('load');
		expect(model.search('rejects empty requests', 5)[0]?.name).toBe('validate');
		expect(model.search('cached value on a miss', 5)[0]?.name).toBe('remember');
		// A name still comes first when it is the query.
		expect(model.search('save', 5)[0]?.name).toBe('save');
		// Words no symbol holds find nothing.
		expect(model.search('quantum chromodynamics', 5)).toEqual([]);
	});
});
