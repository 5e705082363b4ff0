// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chunked, encodeDocpack, gzip, tar } from '../../../tests/fixtures/docpack-node.mjs';
import { smallFixture } from '../../../tests/fixtures/fixtures.mjs';
import { readDocpack, DocpackError } from './read';
import { readDocpackStream } from './stream-read';
import { TarStream } from './stream-tar';
import { readTar } from './tar';
import { openInProcess } from './in-process';
import { summaryOf } from './symbol-table';
import type { SymbolNode } from './types';
import type { Architecture } from '$lib/architecture/modules';
import { buildArchitecture } from '$lib/architecture/modules';

const bytes = (b: Buffer | Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);


/** Reads as the worker and the page do (their code on this thread): the big parts parsed by the worker, the others forwarded. */
async function streamed(data: Uint8Array, seed = 1) {
	const arch: Architecture[] = [];
	const names: string[] = [];
	const docpack = await openInProcess(chunked(data, seed), { onArchitecture: (a) => arch.push(a) }, (m) => (m.type === 'verified' || m.type === 'entry') && names.push(m.name));
	return { docpack, names, arch };
}

describe('the tar, in chunks', () => {
	it('gives the entries readTar gives, whatever the chunk sizes', () => {
		const raw = bytes(tar([{ name: 'a.json', data: Buffer.from('{"a":1}') }, { name: 'empty', data: Buffer.alloc(0) }, { name: 'b.bin', data: Buffer.alloc(1500, 7) }]));
		const expected = readTar(raw, { maxEntries: 10, maxEntryBytes: 1e6 });
		for (const size of [1, 7, 512, 513, 100000]) {
			const t = new TarStream({ maxEntries: 10, maxEntryBytes: 1e6 });
			const got = [];
			for (let i = 0; i < raw.length; i += size) got.push(...t.push(raw.subarray(i, i + size)));
			t.finish();
			expect(got.map((e) => [e.name, [...e.data]])).toEqual(expected.map((e) => [e.name, [...e.data]]));
		}
	});

	it('refuses what readTar refuses', () => {
		const one = { name: 'a.json', data: Buffer.from('{}') };
		const push = (raw: Buffer, limits = { maxEntries: 10, maxEntryBytes: 1e6 }) => {
			const t = new TarStream(limits);
			t.push(bytes(raw));
			t.finish();
		};
		expect(() => push(tar([one, one]))).toThrow('duplicate tar entry a.json');
		expect(() => push(tar([{ name: '../x', data: Buffer.from('x') }]))).toThrow('escapes the archive');
		expect(() => push(Buffer.concat([tar([one]), Buffer.from('junk'.padEnd(512, 'x'))]))).toThrow('unexpected data after the end');
		expect(() => push(tar([{ name: 'long', data: Buffer.alloc(600, 1) }]).subarray(0, 512 + 100))).toThrow('cut short');
		expect(() => push(tar([one]).subarray(0, 1024))).toThrow('end-of-archive blocks are missing');
		expect(() => push(tar([{ name: 'big', data: Buffer.alloc(2000) }]), { maxEntries: 10, maxEntryBytes: 1000 })).toThrow('over the limit');
	});
});

describe('reading a docpack as a stream', () => {
	const fixture = smallFixture();

	it('verifies and parses what readDocpack reads', async () => {
		const whole = await readDocpack(bytes(fixture.bytes));
		const { docpack, names } = await streamed(bytes(fixture.bytes));
		expect(names[0]).toBe('clusters.json');
		expect(docpack.verification).toEqual(whole.verification);
		expect(docpack.symbols).toEqual(whole.symbols.map(summaryOf));
		expect(await docpack.details!.get(docpack.symbols.map((_, i) => i))).toEqual(whole.symbols);
		expect([...docpack.graph.edges]).toEqual(whole.graph.edges);
		// Symbol nodes of the graph are left out (nodes.json has the symbols).
		expect(docpack.graph.nodes).toEqual(whole.graph.nodes.filter((n) => n.kind !== 'symbol'));
		expect(docpack.clusters).toEqual(whole.clusters);
		expect(docpack.files).toEqual(whole.files);
		expect(docpack.docs).toEqual(whole.docs);
		expect(docpack.symbolContexts).toEqual(whole.symbolContexts);
		expect(docpack.embeddings?.ids).toEqual(whole.embeddings?.ids);
		expect([...docpack.embeddings!.vectors]).toEqual([...whole.embeddings!.vectors]);
	});

	it('hands on the module level before the symbols', async () => {
		const data = bytes(readFileSync(new URL('../../../tests/fixtures/layered.docpack', import.meta.url)));
		const { docpack, arch } = await streamed(data, 5);
		expect(arch).toHaveLength(1);
		const full = buildArchitecture(docpack);
		const deps = (a: Architecture) => a.dependencies.map((d) => `${a.modules[d.from].id}>${a.modules[d.to].id}`).sort();
		expect(deps(arch[0])).toEqual(deps(full));
		// The symbols' words are left out (the browser does not read them).
		expect(docpack.symbols.some((s) => 'words' in s)).toBe(false);
	});

	it('refuses a tampered entry, naming it', async () => {
		const tampered = encodeDocpack(fixture.parts, {
			tamper: (entries: Map<string, Buffer>) => entries.set('nodes.json', Buffer.from(entries.get('nodes.json')!.toString().replace('Store', 'Stork')))
		});
		const error = await streamed(bytes(tampered.bytes)).catch((e) => e);
		expect(error).toBeInstanceOf(DocpackError);
		expect(error.kind).toBe('checksum');
		expect(error.message).toMatch(/^checksum mismatch in nodes\.json: manifest says [0-9a-f]{64}, content hashes to [0-9a-f]{64}$/);
	});

	it('refuses other versions, non-docpacks, missing manifests and bombs', async () => {
		const newer = encodeDocpack(fixture.parts, { schemaVersion: 'docpack/2.0' });
		expect((await streamed(bytes(newer.bytes)).catch((e) => e)).message).toBe('docpack format 2.0 is newer than this reader (1.x); upgrade doctown');
		expect((await streamed(new Uint8Array([1, 2, 3])).catch((e) => e)).message).toContain('not gzip-compressed');
		const noManifest = gzip(tar([{ name: 'nodes.json', data: Buffer.from('{}') }]));
		expect((await streamed(bytes(noManifest)).catch((e) => e)).message).toContain('manifest.json is missing');
		const bomb = await readDocpackStream(chunked(bytes(fixture.bytes)), { onEntry: () => {} }, { maxEntries: 100, maxEntryBytes: 1e9, maxTotalBytes: 10_000 }).catch((e) => e);
		expect(bomb.message).toContain('decompression limit');
		// Refused at the manifest, which lists every entry's size: nothing else is handed on.
		expect(bomb.message).toMatch(/^this docpack \(\d+ symbols, 0 MiB expanded\) is larger than a browser tab reads/);
		// A size refusal says so by its kind: a job's docpack is then read by its server for the tab.
		expect(bomb.kind).toBe('size');
		const handed: string[] = [];
		await readDocpackStream(chunked(bytes(fixture.bytes)), { onEntry: (name) => void handed.push(name) }, { maxEntries: 100, maxEntryBytes: 1e9, maxTotalBytes: 10_000 }).catch(() => {});
		expect(handed).toEqual([]);
		const truncated = await streamed(bytes(fixture.bytes).subarray(0, fixture.bytes.length - 40)).catch((e) => e);
		expect(truncated).toBeInstanceOf(DocpackError);
	});

	it('stops a refused stream without an error escaping it, however the chunks fall', async () => {
		// Cancelled while the decompressor has data queued, Node's DecompressionStream threw from a callback
		// (about one refusal in ten here), which the runner counts as a failure of this file.
		const limits = { maxEntries: 100, maxEntryBytes: 1e9, maxTotalBytes: 10_000 };
		for (let seed = 1; seed <= 150; seed++) {
			const refused = await readDocpackStream(chunked(bytes(fixture.bytes), seed), { onEntry: () => {} }, limits).catch((e) => e);
			expect(refused.message).toContain('decompression limit');
			await expect(readDocpack(bytes(fixture.bytes), limits)).rejects.toThrow('decompression limit');
		}
		await new Promise((resolve) => setTimeout(resolve, 10));
	});
});

describe('a docpack of several megabytes, read as the worker and the page do', () => {
	it('streams its JSON parts in 4 MB chunks, parses them as they come, and gets what readDocpack gets', async () => {
		const { buildEntries } = await import('../../../tests/bench/make-docpack.mjs');
		const { gzipSync } = await import('node:zlib');
		const { entries } = buildEntries(12_000, { seed: 9 });
		const gz = new Uint8Array(gzipSync(tar(entries.map((p: { name: string; chunks: Buffer[] }) => ({ name: p.name, data: Buffer.concat(p.chunks) })))));
		const whole = await readDocpack(gz);
		const arch: Architecture[] = [];
		let batches = 0;
		const docpack = await openInProcess(chunked(gz, 3, 70_000), { onArchitecture: (a) => arch.push(a) }, (m) => m.type === 'symbols' && batches++);
		// The summaries came in batches; every symbol's detail, decoded on demand, is what the whole parse gives.
		expect(batches).toBeGreaterThan(1);
		expect(docpack.symbols).toEqual(whole.symbols.map(summaryOf));
		const all = docpack.symbols.map((_, i) => i);
		expect(await docpack.details!.get(all)).toEqual(whole.symbols.map(({ words: _, ...s }: SymbolNode & { words?: string }) => s));
		expect([...docpack.graph.edges]).toEqual(whole.graph.edges);
		// Without embeddings, the chunks of the source map are left out.
		expect(docpack.files).toEqual(whole.files.map((f) => ({ ...f, chunks: [] })));
		expect(docpack.clusters).toEqual(whole.clusters);
		expect(arch).toHaveLength(1);
		expect(arch[0].dependencies).toEqual(buildArchitecture(whole).dependencies);
	}, 120_000);
});
