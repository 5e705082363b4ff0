/**
 * Symbols split in two as the reader's worker parses `nodes.json`:
 *
 * * the **summary** of each symbol ({@link SUMMARY_FIELDS} and its lines),
 *   posted to the page in batches of columns ({@link SummaryWriter} →
 *   {@link readSummaryBatch}): what the symbol list, the search, the graphs
 *   and the architecture map read of every symbol;
 * * its **detail** (the rest of its node but `words`: signature, doc
 *   comment, documentation, metrics, byte range…), kept in the worker as
 *   compact JSON text, a group of {@link GROUP} symbols per UTF-8 buffer
 *   ({@link DetailStore}), and decoded when the page asks for a symbol.
 *
 * A symbol is named by its position in `nodes.json` on both sides.
 */

import { joinStrings, splitStrings, type JoinedStrings } from './edges';
import { SUMMARY_FIELDS, type SymbolNode, type SymbolSummary } from './types';

/** The parts the reader's worker parses itself (`worker-parts.ts`); the page gets what it needs of them. */
export const PARSED_HERE = new Set(['graph.json', 'nodes.json', 'source_map.json']);

/** Summaries per posted batch: a batch costs the page a few milliseconds. */
export const BATCH = 8192;
/** Symbols per detail buffer: decoding one symbol decodes its group. */
export const GROUP = 256;

/** A batch of summaries as the worker posts it (typed arrays transferred). */
export interface SummaryBatch {
	/** Position of the first symbol in `nodes.json`. */
	start: number;
	ids: JoinedStrings;
	names: JoinedStrings;
	qualified: JoinedStrings;
	/** Empty: no parent. */
	parents: JoinedStrings;
	/** Repeated strings (paths, kinds, languages, visibilities, clusters, roles) first seen in this batch, appended to the table. */
	strings: string[];
	/** Indices into the table of repeated strings; -1: absent. */
	path: Int32Array;
	kind: Int32Array;
	language: Int32Array;
	visibility: Int32Array;
	cluster: Int32Array;
	role: Int32Array;
	/** NaN: absent. */
	centrality: Float64Array;
	startLine: Int32Array;
	endLine: Int32Array;
	/** The few symbols with attributes: [position in the batch, attributes]. */
	attributes: [number, string[]][];
}

const isSummaryField = new Set<string>(SUMMARY_FIELDS);

/** The detail of a symbol: its node without the summary fields and `words` (the range whole). */
export function detailOf(s: SymbolNode): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(s)) if (!isSummaryField.has(key) && key !== 'words') out[key] = value;
	return out;
}

/** The summary of a symbol (what the page holds of it while it is open). */
export function summaryOf(s: SymbolNode): SymbolSummary {
	const out: Record<string, unknown> = {};
	for (const key of SUMMARY_FIELDS) if (s[key] != null) out[key] = s[key];
	out.range = { start_line: s.range?.start_line ?? 0, end_line: s.range?.end_line ?? 0 };
	return out as SymbolSummary;
}

/** The whole node from its summary and its detail. */
export function joinDetail(summary: SymbolSummary, detail: Record<string, unknown>): SymbolNode {
	return { ...summary, ...detail } as SymbolNode;
}

/** Builds the batches of summaries, in the worker. */
export class SummaryWriter {
	private readonly table = new Map<string, number>();
	private fresh: string[] = [];
	private start = 0;
	private ids: string[] = [];
	private names: string[] = [];
	private qualified: string[] = [];
	private parents: string[] = [];
	private ints: Record<'path' | 'kind' | 'language' | 'visibility' | 'cluster' | 'role' | 'startLine' | 'endLine', number[]> = this.emptyInts();
	private centrality: number[] = [];
	private attributes: [number, string[]][] = [];

	private emptyInts() {
		return { path: [], kind: [], language: [], visibility: [], cluster: [], role: [], startLine: [], endLine: [] };
	}

	private intern(value: string | null | undefined): number {
		if (value == null) return -1;
		let i = this.table.get(value);
		if (i === undefined) {
			i = this.table.size;
			this.table.set(value, i);
			this.fresh.push(value);
		}
		return i;
	}

	get size(): number {
		return this.ids.length;
	}

	add(s: SymbolNode): void {
		const at = this.ids.length;
		this.ids.push(s.id);
		this.names.push(s.name);
		this.qualified.push(s.qualified_name);
		this.parents.push(s.parent ?? '');
		const c = this.ints;
		c.path.push(this.intern(s.path));
		c.kind.push(this.intern(s.kind));
		c.language.push(this.intern(s.language));
		c.visibility.push(this.intern(s.visibility));
		c.cluster.push(this.intern(s.cluster));
		c.role.push(this.intern(s.role));
		c.startLine.push(s.range?.start_line ?? 0);
		c.endLine.push(s.range?.end_line ?? 0);
		this.centrality.push(s.centrality ?? NaN);
		if (s.attributes) this.attributes.push([at, s.attributes]);
	}

	/** The summaries added since the last batch, and the buffers to transfer. */
	take(): { batch: SummaryBatch; transfer: ArrayBuffer[] } {
		const c = this.ints;
		const batch: SummaryBatch = {
			start: this.start,
			ids: joinStrings(this.ids),
			names: joinStrings(this.names),
			qualified: joinStrings(this.qualified),
			parents: joinStrings(this.parents),
			strings: this.fresh,
			path: Int32Array.from(c.path),
			kind: Int32Array.from(c.kind),
			language: Int32Array.from(c.language),
			visibility: Int32Array.from(c.visibility),
			cluster: Int32Array.from(c.cluster),
			role: Int32Array.from(c.role),
			centrality: Float64Array.from(this.centrality),
			startLine: Int32Array.from(c.startLine),
			endLine: Int32Array.from(c.endLine),
			attributes: this.attributes
		};
		this.start += this.ids.length;
		this.fresh = [];
		this.ids = [];
		this.names = [];
		this.qualified = [];
		this.parents = [];
		this.ints = this.emptyInts();
		this.centrality = [];
		this.attributes = [];
		const arrays = [batch.path, batch.kind, batch.language, batch.visibility, batch.cluster, batch.role, batch.centrality, batch.startLine, batch.endLine];
		const lengths = [batch.ids, batch.names, batch.qualified, batch.parents].map((j) => j.lengths);
		return { batch, transfer: [...arrays, ...lengths].map((a) => a.buffer as ArrayBuffer) };
	}
}

/**
 * The summaries of a batch, on the page. `strings` is the table of repeated
 * strings so far (the batch's new ones are appended to it), so that each
 * path is held once whatever the number of its symbols.
 */
export function readSummaryBatch(batch: SummaryBatch, strings: string[]): SymbolSummary[] {
	strings.push(...batch.strings);
	const ids = splitStrings(batch.ids);
	const names = splitStrings(batch.names);
	const qualified = splitStrings(batch.qualified);
	const parents = splitStrings(batch.parents);
	const at = (column: Int32Array, i: number) => (column[i] < 0 ? undefined : strings[column[i]]);
	const out = new Array<SymbolSummary>(ids.length);
	for (let i = 0; i < ids.length; i++) {
		const summary: SymbolSummary = {
			id: ids[i],
			name: names[i],
			kind: at(batch.kind, i) as SymbolSummary['kind'],
			qualified_name: qualified[i],
			language: at(batch.language, i) as SymbolSummary['language'],
			path: at(batch.path, i)!,
			visibility: at(batch.visibility, i) as SymbolSummary['visibility'],
			parent: parents[i] || undefined,
			attributes: undefined,
			cluster: at(batch.cluster, i),
			centrality: Number.isNaN(batch.centrality[i]) ? undefined : batch.centrality[i],
			role: at(batch.role, i) as SymbolSummary['role'],
			range: { start_line: batch.startLine[i], end_line: batch.endLine[i] }
		};
		out[i] = summary;
	}
	for (const [i, attributes] of batch.attributes) out[i].attributes = attributes;
	return out;
}

/** Runs bytes through a (de)compression stream, without copies into blobs. */
async function through(bytes: Uint8Array, transform: TransformStream<BufferSource, Uint8Array>): Promise<Uint8Array> {
	const writer = transform.writable.getWriter();
	void writer.write(bytes as BufferSource).then(() => writer.close());
	const parts: Uint8Array[] = [];
	let length = 0;
	const reader = transform.readable.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		parts.push(value);
		length += value.length;
	}
	const out = new Uint8Array(length);
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}

const canDeflate = typeof CompressionStream !== 'undefined';
const deflate = (bytes: Uint8Array) => through(bytes, new CompressionStream('deflate-raw'));
const inflate = (bytes: Uint8Array) => through(bytes, new DecompressionStream('deflate-raw'));

/**
 * Each symbol's detail as JSON text, in groups of {@link GROUP}; held in
 * the worker. A sealed group is deflated in the background (JSON of
 * similar symbols shrinks five to ten times): asking for a symbol inflates
 * its group, and the last groups decoded are kept.
 */
export class DetailStore {
	private readonly groups: Uint8Array[] = [];
	/** Per group: whether `groups` holds it deflated. */
	private readonly deflated: boolean[] = [];
	private pending: string[] = [];
	private readonly encoder = new TextEncoder();
	private readonly decoder = new TextDecoder();
	/** The groups decoded last (most recent last). */
	private readonly decoded = new Map<number, string[]>();
	/** Groups waiting to be deflated, one at a time (each deflation holds a compressor's state). */
	private queue: number[] = [];
	private running: Promise<void> | null = null;

	get size(): number {
		return this.groups.length * GROUP + this.pending.length;
	}

	/** Bytes held. */
	get bytes(): number {
		return this.groups.reduce((n, g) => n + g.length, 0);
	}

	add(s: SymbolNode): void {
		// JSON text holds no raw newline: one line per symbol.
		this.pending.push(JSON.stringify(detailOf(s)));
		if (this.pending.length === GROUP) this.seal();
	}

	/** No more symbols: the last group is sealed. */
	finish(): void {
		if (this.pending.length) this.seal();
	}

	/** Resolves when every sealed group is deflated. */
	async settled(): Promise<void> {
		while (this.running) await this.running;
	}

	private async deflateQueued(): Promise<void> {
		for (let g = this.queue.shift(); g !== undefined; g = this.queue.shift()) {
			this.groups[g] = await deflate(this.groups[g]);
			this.deflated[g] = true;
		}
		this.running = null;
	}

	private seal(): void {
		const g = this.groups.length;
		const plain = this.encoder.encode(this.pending.join('\n'));
		this.groups.push(plain);
		this.deflated.push(false);
		this.pending = [];
		if (!canDeflate) return;
		this.queue.push(g);
		this.running ??= this.deflateQueued();
	}

	private async lines(g: number): Promise<string[] | null> {
		const cached = this.decoded.get(g);
		if (cached) {
			this.decoded.delete(g);
			this.decoded.set(g, cached);
			return cached;
		}
		let lines: string[];
		if (g < this.groups.length) {
			const bytes = this.deflated[g] ? await inflate(this.groups[g]) : this.groups[g];
			lines = this.decoder.decode(bytes).split('\n');
		} else if (g === this.groups.length) lines = this.pending;
		else return null;
		this.decoded.set(g, lines);
		if (this.decoded.size > 16) this.decoded.delete(this.decoded.keys().next().value!);
		return lines;
	}

	/** The detail of the symbol at `index` in `nodes.json`, or null if there is none. */
	async get(index: number): Promise<Record<string, unknown> | null> {
		if (!(index >= 0)) return null;
		const g = Math.floor(index / GROUP);
		const line = (await this.lines(g))?.[index - g * GROUP];
		return line === undefined ? null : (JSON.parse(line) as Record<string, unknown>);
	}

	/** Several details, in the order asked (each group inflated once). */
	async many(indices: readonly number[]): Promise<(Record<string, unknown> | null)[]> {
		const out = new Array<Record<string, unknown> | null>(indices.length).fill(null);
		const order = indices.map((_, k) => k).sort((a, b) => indices[a] - indices[b]);
		for (const k of order) out[k] = await this.get(indices[k]);
		return out;
	}
}

/** Details asked of the worker that holds them ({@link DetailStore}), with the last ones kept. */
export class RemoteDetails {
	private next = 0;
	private readonly waiting = new Map<number, (details: (Record<string, unknown> | null)[]) => void>();
	private readonly cache = new Map<number, SymbolNode>();

	constructor(
		private readonly summaries: readonly SymbolSummary[],
		private readonly ask: (request: number, indices: number[]) => void,
		private readonly stop: () => void = () => {},
		private readonly keep = 4096
	) {}

	async get(indices: readonly number[]): Promise<SymbolNode[]> {
		const missing = [...new Set(indices.filter((i) => !this.cache.has(i) && i >= 0 && i < this.summaries.length))];
		if (missing.length) {
			const request = this.next++;
			const details = await new Promise<(Record<string, unknown> | null)[]>((resolve) => {
				this.waiting.set(request, resolve);
				this.ask(request, missing);
			});
			const fresh = new Map(missing.map((i, k) => [i, joinDetail(this.summaries[i], details[k] ?? {})]));
			const out = indices.map((i) => fresh.get(i) ?? this.cache.get(i)).filter((s) => s !== undefined);
			for (const [i, node] of fresh) this.cache.set(i, node);
			while (this.cache.size > this.keep) this.cache.delete(this.cache.keys().next().value!);
			return out;
		}
		return indices.map((i) => this.cache.get(i)).filter((s) => s !== undefined);
	}

	peek(index: number): SymbolNode | undefined {
		return this.cache.get(index);
	}

	/** The worker's answer to a request. */
	receive(request: number, details: (Record<string, unknown> | null)[]): void {
		const resolve = this.waiting.get(request);
		this.waiting.delete(request);
		resolve?.(details);
	}

	close(): void {
		this.stop();
		for (const resolve of this.waiting.values()) resolve([]);
		this.waiting.clear();
	}
}
