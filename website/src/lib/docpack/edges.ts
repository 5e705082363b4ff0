/**
 * The graph's edges in columns: node indices, kind and provenance codes,
 * confidence and weight in typed arrays, each node id held once. A
 * 500,000-symbol docpack has 1.6 million edges: as objects they take
 * ~170 bytes each and keep the garbage collector busy; here ~25.
 *
 * It is iterable as `Edge` objects (made on the fly), so code written for
 * an array of edges reads it too; `forEachEdge` reads either without
 * making objects, and `outOf`/`into` give each node's edges.
 */

import type { Edge, EdgeKind, Provenance } from './types';

/** An {@link EdgeTable} as a worker posts it: typed arrays (transferred) and the node ids in one string. */
export interface EdgeColumns {
	ids: JoinedStrings;
	kinds: string[];
	provenances: (string | null)[];
	from: Int32Array;
	to: Int32Array;
	kind: Uint8Array;
	provenance: Uint8Array;
	confidence: Float64Array;
	weight: Float64Array;
}

/**
 * Many strings as one (their lengths beside): posting hundreds of
 * thousands of strings one by one costs the receiving thread a long task,
 * one string is copied at once.
 */
export interface JoinedStrings {
	text: string;
	lengths: Int32Array;
}

export function joinStrings(list: readonly string[]): JoinedStrings {
	return { text: list.join(''), lengths: Int32Array.from(list, (s) => s.length) };
}

export function splitStrings(joined: JoinedStrings): string[] {
	const out = new Array<string>(joined.lengths.length);
	let at = 0;
	for (let i = 0; i < out.length; i++) {
		const end = at + joined.lengths[i];
		out[i] = joined.text.slice(at, end);
		at = end;
	}
	return out;
}

export class EdgeTable implements Iterable<Edge> {
	/** Node ids by index. */
	ids: string[] = [];
	private nodeIndex: Map<string, number> | null = new Map();
	/** Kind and provenance names by code (provenance 0: none). */
	readonly kinds: string[] = [];
	readonly provenances: (string | null)[] = [null];
	length = 0;
	from: Int32Array = new Int32Array(1024);
	to: Int32Array = new Int32Array(1024);
	kind: Uint8Array = new Uint8Array(1024);
	provenance: Uint8Array = new Uint8Array(1024);
	/** NaN: no confidence (certain). */
	confidence: Float64Array = new Float64Array(1024);
	weight: Float64Array = new Float64Array(1024);
	private outIndex: { offsets: Int32Array; edges: Int32Array } | null = null;
	private inIndex: { offsets: Int32Array; edges: Int32Array } | null = null;

	static of(edges: Iterable<Edge>): EdgeTable {
		if (edges instanceof EdgeTable) return edges;
		const table = new EdgeTable();
		for (const e of edges) table.add(e);
		return table;
	}

	/** The table as plain data a worker posts (its arrays transferred: the table is emptied). */
	toColumns(): { columns: EdgeColumns; transfer: ArrayBuffer[] } {
		const n = this.length;
		const cut = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
		const columns: EdgeColumns = {
			ids: joinStrings(this.ids),
			kinds: [...this.kinds],
			provenances: [...this.provenances],
			from: cut(this.from),
			to: cut(this.to),
			kind: cut(this.kind),
			provenance: cut(this.provenance),
			confidence: cut(this.confidence),
			weight: cut(this.weight)
		};
		const transfer = [columns.from, columns.to, columns.kind, columns.provenance, columns.confidence, columns.weight].map((a) => a.buffer as ArrayBuffer);
		Object.assign(this, new EdgeTable());
		return { columns, transfer };
	}

	/** The table a worker posted ({@link toColumns}). */
	static fromColumns(c: EdgeColumns): EdgeTable {
		const table = new EdgeTable();
		table.ids = splitStrings(c.ids);
		table.nodeIndex = null;
		table.kinds.push(...c.kinds);
		table.provenances.length = 0;
		table.provenances.push(...c.provenances);
		Object.assign(table, { from: c.from, to: c.to, kind: c.kind, provenance: c.provenance, confidence: c.confidence, weight: c.weight, length: c.from.length });
		return table;
	}

	/** Node id → index (built on first use for a table that came from a worker). */
	get index(): Map<string, number> {
		if (!this.nodeIndex) {
			this.nodeIndex = new Map();
			this.ids.forEach((id, i) => this.nodeIndex!.set(id, i));
		}
		return this.nodeIndex;
	}

	private lastFrom = '';
	private lastFromNode = -1;

	node(id: string): number {
		const index = this.index;
		let i = index.get(id);
		if (i === undefined) {
			i = this.ids.length;
			this.ids.push(id);
			index.set(id, i);
		}
		return i;
	}

	private code(list: (string | null)[], name: string | null | undefined): number {
		if (name == null) return 0;
		let c = list.indexOf(name);
		if (c < 0) {
			c = list.length;
			list.push(name);
		}
		return c;
	}

	add(e: Edge): void {
		if (this.length === this.from.length) this.grow();
		const i = this.length++;
		// Edges come sorted by their start: most share the last one's.
		if (e.from !== this.lastFrom) {
			this.lastFrom = e.from;
			this.lastFromNode = this.node(e.from);
		}
		this.from[i] = this.lastFromNode;
		this.to[i] = this.node(e.to);
		let k = this.kinds.indexOf(e.kind);
		if (k < 0) {
			k = this.kinds.length;
			this.kinds.push(e.kind);
		}
		this.kind[i] = k;
		this.provenance[i] = this.code(this.provenances, e.provenance);
		this.confidence[i] = e.confidence == null ? NaN : e.confidence;
		this.weight[i] = e.weight ?? 1;
		this.outIndex = this.inIndex = null;
	}

	private grow(): void {
		const n = this.from.length * 2;
		const copy = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
			const b = make(n);
			b.set(a);
			return b;
		};
		this.from = copy(this.from, (n) => new Int32Array(n));
		this.to = copy(this.to, (n) => new Int32Array(n));
		this.kind = copy(this.kind, (n) => new Uint8Array(n));
		this.provenance = copy(this.provenance, (n) => new Uint8Array(n));
		this.confidence = copy(this.confidence, (n) => new Float64Array(n));
		this.weight = copy(this.weight, (n) => new Float64Array(n));
	}

	/** Edge `i` as an object. */
	get(i: number): Edge {
		const edge: Edge = { from: this.ids[this.from[i]], to: this.ids[this.to[i]], kind: this.kinds[this.kind[i]] as EdgeKind, weight: this.weight[i] };
		const p = this.provenances[this.provenance[i]];
		if (p) edge.provenance = p as Provenance;
		if (!Number.isNaN(this.confidence[i])) edge.confidence = this.confidence[i];
		return edge;
	}

	*[Symbol.iterator](): Iterator<Edge> {
		for (let i = 0; i < this.length; i++) yield this.get(i);
	}

	/** Indices of the edges out of node `id`. */
	outOf(id: string): Int32Array {
		const n = this.index.get(id);
		if (n === undefined) return new Int32Array(0);
		const { offsets, edges } = (this.outIndex ??= this.csr(this.from));
		return edges.subarray(offsets[n], offsets[n + 1]);
	}

	/** Indices of the edges into node `id`. */
	into(id: string): Int32Array {
		const n = this.index.get(id);
		if (n === undefined) return new Int32Array(0);
		const { offsets, edges } = (this.inIndex ??= this.csr(this.to));
		return edges.subarray(offsets[n], offsets[n + 1]);
	}

	private csr(ends: Int32Array): { offsets: Int32Array; edges: Int32Array } {
		const offsets = new Int32Array(this.ids.length + 1);
		for (let i = 0; i < this.length; i++) offsets[ends[i] + 1]++;
		for (let n = 0; n < this.ids.length; n++) offsets[n + 1] += offsets[n];
		const fill = offsets.slice(0, this.ids.length);
		const edges = new Int32Array(this.length);
		for (let i = 0; i < this.length; i++) edges[fill[ends[i]]++] = i;
		return { offsets, edges };
	}
}

/** Calls `f` for each edge of a table or an array, without making objects for a table. */
export function forEachEdge(
	edges: Iterable<Edge>,
	f: (from: string, to: string, kind: EdgeKind, confidence: number | null, weight: number) => void
): void {
	if (edges instanceof EdgeTable) {
		const { ids, kinds } = edges;
		for (let i = 0; i < edges.length; i++) {
			const c = edges.confidence[i];
			f(ids[edges.from[i]], ids[edges.to[i]], kinds[edges.kind[i]] as EdgeKind, Number.isNaN(c) ? null : c, edges.weight[i]);
		}
		return;
	}
	for (const e of edges) f(e.from, e.to, e.kind, e.confidence ?? null, e.weight ?? 1);
}

/** How many edges there are. */
export function edgeCount(edges: Iterable<Edge>): number {
	return edges instanceof EdgeTable ? edges.length : (edges as Edge[]).length;
}

