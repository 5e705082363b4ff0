/**
 * JSON parts too large to parse at once — a 500,000-symbol `nodes.json` is
 * longer than the longest string a browser makes, and one `JSON.parse` of
 * it would freeze the page for seconds — parsed in slices.
 *
 * Docpack JSON is canonical (spec §2): pretty-printed with two-space
 * indentation, one element per line. So a top-level member starts at a
 * line `  "key": …`, a top-level array closes at a line `  ]`, and an
 * element of it ends at a line `    }` — patterns that cannot occur inside
 * a string, which holds no raw newline. Slices are cut there and each is
 * parsed by `JSON.parse`, which still checks everything. A part not laid
 * out that way (compact JSON, say) is parsed whole instead.
 */

const NL = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

export interface SliceOptions {
	/** Bytes of JSON per slice. */
	sliceBytes?: number;
	/** Called between slices (to let the page breathe); may be async. */
	pause?: () => Promise<void> | void;
	/** Rewrites a slice's text before it is parsed (e.g. to drop a field nothing reads). */
	rewrite?: (text: string) => string;
}

/** Per array member to slice: what to keep of each element (undefined: drop it). */
export type ItemMap = (item: unknown) => unknown;

const decoder = new TextDecoder('utf-8', { fatal: true });
const decode = (bytes: Uint8Array) => decoder.decode(bytes);

/** The next line at or after `from` that starts a top-level member (`\n  "`): the offset of its quote, or -1. */
function nextMember(bytes: Uint8Array, from: number, limit: number): number {
	let at = from;
	for (;;) {
		const nl = bytes.indexOf(NL, at);
		if (nl < 0 || nl >= limit) return -1;
		if (bytes[nl + 1] === SPACE && bytes[nl + 2] === SPACE && bytes[nl + 3] === QUOTE) return nl + 3;
		at = nl + 1;
	}
}

/** The `]` closing the top-level array that opens at `open` (a line `  ]`), or -1. */
function arrayClose(bytes: Uint8Array, open: number): number {
	let at = open + 1;
	for (;;) {
		const i = bytes.indexOf(CLOSE_BRACKET, at);
		if (i < 0) return -1;
		if (bytes[i - 1] === SPACE && bytes[i - 2] === SPACE && bytes[i - 3] === NL) return i;
		if (i === open + 1) return i; // []
		at = i + 1;
	}
}

/** Just past the `}` of the first element that ends (a line `    }`) at or after `from`, before `limit`; -1 if none. */
function elementEnd(bytes: Uint8Array, from: number, limit: number): number {
	let at = from;
	for (;;) {
		const nl = bytes.indexOf(NL, at);
		if (nl < 0 || nl >= limit) return -1;
		if (
			bytes[nl + 1] === SPACE &&
			bytes[nl + 2] === SPACE &&
			bytes[nl + 3] === SPACE &&
			bytes[nl + 4] === SPACE &&
			bytes[nl + 5] === CLOSE_BRACE &&
			(bytes[nl + 6] === COMMA || bytes[nl + 6] === NL)
		) {
			return nl + 6;
		}
		at = nl + 1;
	}
}

function keep(out: unknown[], items: unknown[], map: ItemMap | true): void {
	if (map === true) {
		for (const item of items) out.push(item);
		return;
	}
	for (const item of items) {
		const kept = map(item);
		if (kept !== undefined) out.push(kept);
	}
}

/** Where each top-level member's value lies; null when the part is not laid out canonically. */
export interface Member {
	key: string;
	/** First byte of the value. */
	start: number;
	/** Last byte of the value (inclusive). */
	end: number;
	array: boolean;
}

export function topLevelMembers(bytes: Uint8Array): Member[] | null {
	let end = bytes.length - 1;
	while (end > 0 && (bytes[end] === NL || bytes[end] === SPACE)) end--;
	if (bytes[0] !== 0x7b || bytes[end] !== CLOSE_BRACE) return null;
	const members: Member[] = [];
	let at = nextMember(bytes, 0, end);
	if (at < 0) return null;
	while (at >= 0) {
		const colon = bytes.indexOf(0x3a /* : */, at);
		if (colon < 0) return null;
		let key: string;
		try {
			key = JSON.parse(decode(bytes.subarray(at, colon))) as string;
		} catch {
			return null;
		}
		let value = colon + 1;
		while (bytes[value] === SPACE) value++;
		let next: number;
		if (bytes[value] === OPEN_BRACKET) {
			const close = arrayClose(bytes, value);
			if (close < 0) return null;
			members.push({ key, start: value, end: close, array: true });
			next = nextMember(bytes, close, end);
			const between = decode(bytes.subarray(close + 1, next < 0 ? end : next - 3)).trim();
			if (between !== (next < 0 ? '' : ',')) return null;
		} else {
			next = nextMember(bytes, value, end);
			let stop = next < 0 ? end : next - 3;
			while (stop > value && (bytes[stop - 1] === NL || bytes[stop - 1] === SPACE)) stop--;
			if (next >= 0) {
				if (bytes[stop - 1] !== COMMA) return null;
				stop--;
			}
			members.push({ key, start: value, end: stop - 1, array: false });
		}
		at = next;
	}
	return members;
}

/**
 * The text of a top-level array member in slices of whole elements (each a
 * comma-separated list of elements, without brackets). False when the part
 * is not laid out canonically (nothing was handed out then).
 */
export async function forEachSlice(
	bytes: Uint8Array,
	member: Member,
	onText: (text: string) => void,
	o: SliceOptions = {}
): Promise<void> {
	const sliceBytes = o.sliceBytes ?? 4 << 20;
	let at = member.start + 1;
	while (at < member.end) {
		let cut = elementEnd(bytes, Math.min(member.end, at + sliceBytes), member.end);
		if (cut < 0) cut = member.end;
		let text = decode(bytes.subarray(at, cut));
		const first = text.search(/\S/);
		if (first >= 0 && text[first] === ',') text = text.slice(first + 1);
		if (/\S/.test(text)) onText(o.rewrite ? o.rewrite(text) : text);
		at = cut;
		if (at < member.end) await o.pause?.();
	}
}

/**
 * Parses a top-level JSON object. The members named in `arrays` that are
 * arrays are parsed in slices, each element through its map (`true`: kept
 * as is); everything else is parsed normally.
 */
export async function parseObjectInSlices(
	bytes: Uint8Array,
	arrays: Record<string, ItemMap | true>,
	options: SliceOptions = {}
): Promise<Record<string, unknown>> {
	const whole = () => {
		let text = decode(bytes);
		if (options.rewrite) text = options.rewrite(text);
		const value = JSON.parse(text) as Record<string, unknown>;
		for (const [key, map] of Object.entries(arrays)) {
			if (Array.isArray(value[key]) && map !== true) {
				const out: unknown[] = [];
				keep(out, value[key] as unknown[], map);
				value[key] = out;
			}
		}
		return value;
	};
	const members = topLevelMembers(bytes);
	if (!members) return whole();
	const result: Record<string, unknown> = {};
	try {
		for (const m of members) {
			const map = arrays[m.key];
			if (m.array && map) {
				const out: unknown[] = [];
				await forEachSlice(bytes, m, (text) => keep(out, JSON.parse(`[${text}]`) as unknown[], map), options);
				result[m.key] = out;
			} else {
				let text = decode(bytes.subarray(m.start, m.end + 1));
				if (options.rewrite && m.array) text = options.rewrite(text);
				result[m.key] = JSON.parse(text);
			}
		}
		return result;
	} catch (e) {
		if (e instanceof RangeError) throw e;
		return whole();
	}
}

/** The `]` closing a top-level array (a line `  ]`) in bytes[from, limit), or -1. */
function closeIn(bytes: Uint8Array, from: number, limit: number): number {
	let at = from;
	for (;;) {
		const i = bytes.indexOf(CLOSE_BRACKET, at);
		if (i < 0 || i >= limit) return -1;
		if (bytes[i - 1] === SPACE && bytes[i - 2] === SPACE && bytes[i - 3] === NL) return i;
		at = i + 1;
	}
}

/**
 * `parseObjectInSlices` for a part that is still arriving: `feed` parses
 * the slices whose bytes are in, `finish` the rest once the part is
 * complete. If the part turns out not to be laid out canonically, `finish`
 * returns null (parse it whole then). Nothing it parsed may be used before
 * the part is verified.
 */
export class StreamingSlices {
	private pos = 0;
	private phase: 'start' | 'member' | 'array' | 'failed' = 'start';
	private key = '';
	private items: unknown[] = [];
	/** How far the search for the current array's close has looked. */
	private scanned = 0;
	readonly result: Record<string, unknown> = {};

	constructor(
		private readonly arrays: Record<string, ItemMap | true>,
		private readonly sliceBytes = 4 << 20,
		private readonly rewrite?: (text: string) => string
	) {}

	get failed(): boolean {
		return this.phase === 'failed';
	}

	/** Bytes before this offset are parsed and no longer needed. */
	get consumed(): number {
		return this.phase === 'start' ? 0 : this.pos;
	}

	/** The first `n` bytes were dropped from the buffer: offsets move down. */
	shift(n: number): void {
		this.pos -= n;
		this.scanned = Math.max(0, this.scanned - n);
	}

	feed(bytes: Uint8Array, filled: number, final = false): void {
		// Searches stop at what is in (the rest of the buffer is zeros, and long).
		const view = bytes.subarray(0, filled);
		try {
			while (this.phase !== 'failed' && this.step(view, filled, final));
		} catch {
			this.phase = 'failed';
		}
	}

	/** The complete part: parses what is left; null if it was not canonical. */
	finish(bytes: Uint8Array): Record<string, unknown> | null {
		this.feed(bytes, bytes.length, true);
		if (this.phase === 'failed' || this.phase === 'array') return null;
		const tail = decode(bytes.subarray(this.pos)).trim();
		if (this.phase === 'start' || tail !== '}') return null;
		return this.result;
	}

	/** One step; false when it needs more bytes. */
	private step(bytes: Uint8Array, filled: number, final: boolean): boolean {
		if (this.phase === 'start') {
			if (filled === 0) return false;
			if (bytes[0] !== 0x7b) throw new Error('not an object');
			this.phase = 'member';
			this.pos = 0;
		}
		if (this.phase === 'member') {
			const at = nextMember(bytes, this.pos, filled);
			if (at < 0) return false;
			const colon = bytes.indexOf(0x3a /* : */, at);
			if (colon < 0 || colon + 2 >= filled) return false;
			let value = colon + 1;
			while (value < filled && bytes[value] === SPACE) value++;
			if (value >= filled) return false;
			const key = JSON.parse(decode(bytes.subarray(at, colon))) as string;
			if (bytes[value] === OPEN_BRACKET) {
				this.key = key;
				this.items = [];
				this.phase = 'array';
				this.pos = value + 1;
				this.scanned = value + 1;
				return true;
			}
			// A plain member: it ends before the next member, or at the closing brace.
			const next = nextMember(bytes, value, filled);
			let stop: number;
			if (next >= 0) {
				stop = next - 3;
				while (stop > value && (bytes[stop - 1] === NL || bytes[stop - 1] === SPACE)) stop--;
				if (bytes[stop - 1] !== COMMA) throw new Error('not canonical');
				stop--;
			} else if (final) {
				stop = filled - 1;
				while (stop > value && bytes[stop] !== CLOSE_BRACE) stop--;
				while (stop > value && (bytes[stop - 1] === NL || bytes[stop - 1] === SPACE)) stop--;
			} else return false;
			this.result[key] = JSON.parse(decode(bytes.subarray(value, stop)));
			this.pos = next >= 0 ? next - 3 : stop;
			return true;
		}
		// In an array: a slice of whole elements, or the last one up to the close.
		const close = closeIn(bytes, this.scanned, filled);
		if (close >= 0) {
			this.slice(bytes, this.pos, close);
			this.result[this.key] = this.items;
			this.items = [];
			this.phase = 'member';
			this.pos = close + 1;
			return true;
		}
		this.scanned = Math.max(this.scanned, filled - 3);
		if (filled - this.pos < this.sliceBytes && !final) return false;
		const cut = elementEnd(bytes, this.pos + Math.min(this.sliceBytes, filled - this.pos) - 1, filled);
		if (cut < 0) return false;
		this.slice(bytes, this.pos, cut);
		this.pos = cut;
		return true;
	}

	private slice(bytes: Uint8Array, from: number, to: number): void {
		let text = decode(bytes.subarray(from, to));
		const first = text.search(/\S/);
		if (first >= 0 && text[first] === ',') text = text.slice(first + 1);
		if (!/\S/.test(text)) return;
		const map = this.arrays[this.key];
		if (this.rewrite && map) text = this.rewrite(text);
		const parsed = JSON.parse(`[${text}]`) as unknown[];
		if (map) keep(this.items, parsed, map);
	}
}

/**
 * A part arriving in chunks, parsed as they come (`StreamingSlices`) and
 * never held whole: bytes already parsed are dropped. A part that is not
 * canonical is kept whole and parsed at the end.
 */
export class SliceSink {
	private buffer = new Uint8Array(1 << 20);
	private length = 0;
	private readonly slices: StreamingSlices;

	constructor(
		private readonly arrays: Record<string, ItemMap | true>,
		private readonly options: SliceOptions = {}
	) {
		this.slices = new StreamingSlices(arrays, options.sliceBytes ?? 4 << 20, options.rewrite);
	}

	push(chunk: Uint8Array): void {
		if (!this.slices.failed) {
			// Drop what is parsed (but keep the start, which holds the opening brace).
			const drop = this.slices.consumed > (this.options.sliceBytes ?? 4 << 20) ? this.slices.consumed - 1 : 0;
			if (drop > 0) {
				this.buffer.copyWithin(1, drop + 1, this.length);
				this.length -= drop;
				this.slices.shift(drop);
			}
		}
		if (this.length + chunk.length > this.buffer.length) {
			const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + chunk.length));
			grown.set(this.buffer.subarray(0, this.length));
			this.buffer = grown;
		}
		this.buffer.set(chunk, this.length);
		this.length += chunk.length;
		if (!this.slices.failed) this.slices.feed(this.buffer, this.length);
	}

	/** The whole part is in (and verified): the parsed members. */
	async finish(): Promise<Record<string, unknown>> {
		const bytes = this.buffer.subarray(0, this.length);
		const result = this.slices.failed ? null : this.slices.finish(bytes);
		if (result) return result;
		if (this.slices.consumed > 1) throw new Error('a part laid out canonically at first stopped being so');
		return parseObjectInSlices(bytes, this.arrays, this.options);
	}
}
