/**
 * `embeddings.bin` (spec §4.8): little-endian header `DPEV`, layout 1, count,
 * dims, id width; a sorted NUL-padded chunk id index; float32 rows. Plus the
 * cosine top-k used for "similar symbols".
 */

import type { Embeddings } from './types';

const HEADER = 20;

export function parseEmbeddings(bytes: Uint8Array): Embeddings {
	const fail = (why: string) => new Error(`invalid embeddings.bin: ${why}`);
	if (bytes.length < HEADER) throw fail('shorter than its header');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
	if (magic !== 'DPEV') throw fail(`bad magic ${JSON.stringify(magic)}`);
	const layout = view.getUint32(4, true);
	if (layout !== 1) throw fail(`layout version ${layout} is not supported (expected 1)`);
	const count = view.getUint32(8, true);
	const dims = view.getUint32(12, true);
	const width = view.getUint32(16, true);
	if (dims < 1) throw fail('dims must be at least 1');
	if (count > 0 && width < 1) throw fail('0-byte ids');
	// As the Rust reader: a lying header (rows × dims × 4 past what a number
	// holds exactly) is a size error, never an inexact size that matches.
	const indexEnd = HEADER + count * width;
	const vectorsAt = Math.ceil(indexEnd / 4) * 4;
	const expected = vectorsAt + count * dims * 4;
	if (!Number.isSafeInteger(expected) || bytes.length !== expected) {
		throw fail(`size is ${bytes.length} bytes, but the header (${count} rows × ${dims} dims, ${width}-byte ids) needs ${expected}`);
	}

	const decoder = new TextDecoder('utf-8', { fatal: true });
	const ids: string[] = new Array(count);
	let previous: Uint8Array | null = null;
	for (let i = 0; i < count; i++) {
		const slot = bytes.subarray(HEADER + i * width, HEADER + (i + 1) * width);
		let end = slot.indexOf(0);
		if (end < 0) end = slot.length;
		const raw = slot.subarray(0, end);
		if (end === 0) throw fail(`index slot ${i} is empty`);
		if (!isZero(slot.subarray(end))) throw fail(`index slot ${i} is not NUL-padded`);
		if (previous && compareBytes(previous, raw) >= 0) throw fail('index ids are not strictly ascending');
		previous = raw;
		try {
			ids[i] = decoder.decode(raw);
		} catch {
			throw fail(`index id ${i} is not UTF-8`);
		}
	}
	// Copy the rows so that they are 4-byte aligned whatever the entry's offset.
	const vectors = new Float32Array(count * dims);
	const rows = new DataView(bytes.buffer, bytes.byteOffset + vectorsAt, count * dims * 4);
	for (let i = 0; i < vectors.length; i++) {
		const v = rows.getFloat32(i * 4, true);
		if (!Number.isFinite(v)) throw fail(`row ${Math.floor(i / dims)} has a non-finite value`);
		vectors[i] = v;
	}
	return { dims, ids, vectors };
}

function isZero(bytes: Uint8Array): boolean {
	return bytes.every((b) => b === 0);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
	return a.length - b.length;
}

/** Row of a chunk id by binary search, or -1. */
export function rowOf(embeddings: Embeddings, chunkId: string): number {
	let lo = 0;
	let hi = embeddings.ids.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		const id = embeddings.ids[mid];
		if (id === chunkId) return mid;
		if (id < chunkId) lo = mid + 1;
		else hi = mid - 1;
	}
	return embeddings.ids.indexOf(chunkId);
}

/** Unit-length vectors per key, from the mean of each key's rows. */
export class VectorIndex {
	readonly keys: string[] = [];
	private readonly data: Float32Array;
	private readonly position = new Map<string, number>();

	constructor(
		readonly dims: number,
		groups: Map<string, number[]>,
		rows: Float32Array
	) {
		this.data = new Float32Array(groups.size * dims);
		for (const [key, members] of groups) {
			if (!members.length) continue;
			const k = this.keys.length;
			const out = this.data.subarray(k * dims, (k + 1) * dims);
			for (const row of members) {
				for (let d = 0; d < dims; d++) out[d] += rows[row * dims + d];
			}
			let norm = 0;
			for (let d = 0; d < dims; d++) norm += out[d] * out[d];
			norm = Math.sqrt(norm);
			if (norm === 0) {
				out.fill(0);
				continue;
			}
			for (let d = 0; d < dims; d++) out[d] /= norm;
			this.position.set(key, k);
			this.keys.push(key);
		}
	}

	/** The `k` keys most similar to `key` by cosine, best first (the key itself excluded). */
	nearest(key: string, k: number): { key: string; score: number }[] {
		const at = this.position.get(key);
		if (at === undefined) return [];
		const dims = this.dims;
		const query = this.data.subarray(at * dims, (at + 1) * dims);
		const best: { key: string; score: number }[] = [];
		for (let i = 0; i < this.keys.length; i++) {
			if (i === at) continue;
			let score = 0;
			const base = i * dims;
			for (let d = 0; d < dims; d++) score += query[d] * this.data[base + d];
			if (best.length < k || score > best[best.length - 1].score) {
				best.push({ key: this.keys[i], score });
				best.sort((a, b) => b.score - a.score);
				if (best.length > k) best.pop();
			}
		}
		return best;
	}
}
