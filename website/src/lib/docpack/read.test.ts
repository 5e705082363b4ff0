// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { encodeDocpack, gzip, tar } from '../../../tests/fixtures/docpack-node.mjs';
import { smallFixture } from '../../../tests/fixtures/fixtures.mjs';
import { readDocpack, versionProblem, DocpackError } from './read';
import { parseEmbeddings, rowOf } from './embeddings';
import { readTar } from './tar';

const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

describe('readDocpack', () => {
	const fixture = smallFixture();

	it('reads and verifies a docpack', async () => {
		const docpack = await readDocpack(bytes(fixture.bytes));
		expect(docpack.verification.docpackId).toBe(fixture.id);
		expect(docpack.manifest.schema_version).toBe('docpack/1.0');
		expect(docpack.symbols).toHaveLength(22);
		expect(docpack.clusters.map((c) => c.label)).toEqual(['store', 'write-ahead log', 'client retry']);
		expect(docpack.files).toHaveLength(5);
		expect(docpack.embeddings?.dims).toBe(16);
		expect(docpack.embeddings?.ids).toHaveLength(22);
		expect(docpack.symbolContexts).toHaveLength(22);
		expect(docpack.docs.modules).toHaveLength(2);
	});

	it('refuses a tampered entry, naming it', async () => {
		const { parts } = fixture;
		const tampered = encodeDocpack(parts, {
			tamper: (entries: Map<string, Buffer>) => entries.set('nodes.json', Buffer.from(entries.get('nodes.json')!.toString().replace('Store', 'Stork')))
		});
		const error = await readDocpack(bytes(tampered.bytes)).catch((e) => e);
		expect(error).toBeInstanceOf(DocpackError);
		expect(error.kind).toBe('checksum');
		expect(error.message).toMatch(/^checksum mismatch in nodes\.json: manifest says [0-9a-f]{64}, content hashes to [0-9a-f]{64}$/);
	});

	it('refuses other major versions with a clear message', async () => {
		const newer = encodeDocpack(fixture.parts, { schemaVersion: 'docpack/2.0' });
		const error = await readDocpack(bytes(newer.bytes)).catch((e) => e);
		expect(error.kind).toBe('version');
		expect(error.message).toBe('docpack format 2.0 is newer than this reader (1.x); upgrade doctown');
		expect(versionProblem('docpack/0.9')).toBe('docpack format 0.9 is older than this reader (1.x); regenerate the docpack');
		expect(versionProblem('docpack/1.7')).toBeNull();
		expect(versionProblem('nope')).toContain('unrecognised');
	});

	it('refuses files that are not docpacks', async () => {
		await expect(readDocpack(new Uint8Array([1, 2, 3]))).rejects.toThrow('not gzip-compressed');
		const noManifest = gzip(tar([{ name: 'nodes.json', data: Buffer.from('{}') }]));
		await expect(readDocpack(bytes(noManifest))).rejects.toThrow('manifest.json is missing');
	});

	it('guards against decompression bombs', async () => {
		await expect(
			readDocpack(bytes(fixture.bytes), { maxEntries: 100, maxEntryBytes: 1e9, maxTotalBytes: 10_000 })
		).rejects.toThrow('decompression limit');
	});
});

describe('readTar', () => {
	const limits = { maxEntries: 10, maxEntryBytes: 1e6 };
	it.each([
		['../evil', 'escapes the archive'],
		['/etc/passwd', 'absolute path'],
		['dir/file', 'entries are flat']
	])('refuses %s', (name, message) => {
		expect(() => readTar(bytes(tar([{ name, data: Buffer.from('x') }])), limits)).toThrow(message);
	});

	it('refuses duplicates, too many entries and trailing data', () => {
		const one = { name: 'a.json', data: Buffer.from('{}') };
		expect(() => readTar(bytes(tar([one, one])), limits)).toThrow('duplicate tar entry a.json');
		expect(() => readTar(bytes(tar([one])), { ...limits, maxEntries: 0 })).toThrow('too many entries');
		const trailing = Buffer.concat([tar([one]), Buffer.from('junk'.padEnd(512, 'x'))]);
		expect(() => readTar(bytes(trailing), limits)).toThrow('unexpected data after the end');
	});
});

describe('embeddings.bin', () => {
	it('parses rows and finds ids by binary search', async () => {
		const docpack = await readDocpack(bytes(smallFixture().bytes));
		const e = docpack.embeddings!;
		const id = e.ids[7];
		expect(rowOf(e, id)).toBe(7);
		expect(rowOf(e, 'chk_missing')).toBe(-1);
		let norm = 0;
		for (let d = 0; d < e.dims; d++) norm += e.vectors[7 * e.dims + d] ** 2;
		expect(norm).toBeCloseTo(1, 5);
	});

	it('rejects a wrong size or magic', () => {
		const blob = new Uint8Array(24);
		blob.set([68, 80, 69, 86, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
		expect(() => parseEmbeddings(blob)).toThrow('size is 24 bytes, but the header (1 rows × 1 dims, 1-byte ids) needs 28');
		blob[0] = 0;
		expect(() => parseEmbeddings(blob)).toThrow('bad magic');
	});
});
