// The embeddings decoder under hostile input: valid files with their header
// words set to edge values (0, 1, 2^31, 2^32 - 1: the shape that overflowed
// the Rust reader), truncated, extended, and bytes flipped at random, from a
// seeded generator so a failure repeats. Each input is either read (and then
// consistent) or refused with the decoder's own one-line error: never
// another exception, never a hang.
import { describe, expect, it } from 'vitest';
import { parseEmbeddings } from './embeddings';

function encode(ids: string[], dims: number, width: number): Uint8Array {
	const indexEnd = 20 + ids.length * width;
	const vectorsAt = Math.ceil(indexEnd / 4) * 4;
	const bytes = new Uint8Array(vectorsAt + ids.length * dims * 4);
	const view = new DataView(bytes.buffer);
	bytes.set([0x44, 0x50, 0x45, 0x56]); // DPEV
	view.setUint32(4, 1, true);
	view.setUint32(8, ids.length, true);
	view.setUint32(12, dims, true);
	view.setUint32(16, width, true);
	ids.forEach((id, i) => bytes.set(new TextEncoder().encode(id), 20 + i * width));
	for (let i = 0; i < ids.length * dims; i++) view.setFloat32(vectorsAt + i * 4, (i % 7) / 7, true);
	return bytes;
}

/** Mulberry32: small, seeded, good enough to pick mutations. */
function generator(seed: number): () => number {
	let a = seed;
	return () => {
		a |= 0;
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const EDGES = [0, 1, 2, 3, 4, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function mutate(valid: Uint8Array, random: () => number): Uint8Array {
	const bytes = valid.slice();
	const view = new DataView(bytes.buffer);
	switch (Math.floor(random() * 4)) {
		case 0: // a header word at an edge value
			view.setUint32(4 * (1 + Math.floor(random() * 4)), EDGES[Math.floor(random() * EDGES.length)], true);
			return bytes;
		case 1: // truncated
			return bytes.slice(0, Math.floor(random() * bytes.length));
		case 2: // extended
			return Uint8Array.from([...bytes, ...new Array(1 + Math.floor(random() * 9)).fill(0)]);
		default: // bytes flipped
			for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
				bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
			}
			return bytes;
	}
}

describe('parseEmbeddings under hostile input', () => {
	it('reads what it was given', () => {
		const read = parseEmbeddings(encode(['a', 'b', 'c'], 3, 8));
		expect(read.ids).toEqual(['a', 'b', 'c']);
		expect(read.vectors.length).toBe(9);
	});

	it('refuses a lying header with its own error', () => {
		const valid = encode(['a', 'b'], 2, 4);
		const view = new DataView(valid.buffer);
		view.setUint32(8, 0xffffffff, true);
		view.setUint32(12, 0xffffffff, true);
		expect(() => parseEmbeddings(valid)).toThrow(/invalid embeddings\.bin/);
		const empty = encode(['', 'b'], 2, 4);
		expect(() => parseEmbeddings(empty)).toThrow(/slot 0 is empty/);
	});

	it('reads or refuses, never anything else, on 20,000 mutated files', () => {
		const random = generator(58);
		const seeds = [encode(['a', 'b', 'c'], 3, 8), encode(['chunk_1'], 1, 7), encode([], 4, 0)];
		for (let n = 0; n < 20_000; n++) {
			const input = mutate(seeds[n % seeds.length], random);
			try {
				const read = parseEmbeddings(input);
				expect(read.vectors.length).toBe(read.ids.length * read.dims);
				expect(read.vectors.every(Number.isFinite)).toBe(true);
			} catch (e) {
				expect(e).toBeInstanceOf(Error);
				expect((e as Error).constructor).toBe(Error);
				expect((e as Error).message).toMatch(/^invalid embeddings\.bin: /);
			}
		}
	});
});
