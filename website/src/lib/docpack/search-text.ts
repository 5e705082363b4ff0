/**
 * What the symbol search scans: the lower-cased names in one string, and
 * the lower-cased qualified names + NUL + paths in another, each entry
 * followed by a NUL (no query holds one), with where each entry starts.
 * One string of a few megabytes instead of a million small ones: a search
 * over 500,000 symbols is a few `indexOf` calls, and the garbage collector
 * has nothing to walk. The reader's worker builds it as it parses
 * `nodes.json` and posts it with the last symbols; a docpack read at once
 * builds it on the page.
 */

export interface SearchText {
	names: string;
	/** Where each symbol's name starts in `names` (one more: the end). */
	nameAt: Int32Array;
	rest: string;
	restAt: Int32Array;
	/** Length of each lower-cased qualified name. */
	qualifiedLength: Int32Array;
}

/** Entries joined into one string per this many (the pieces die young). */
const PIECES = 8192;

export class SearchTextBuilder {
	private names: string[] = [];
	private rest: string[] = [];
	private readonly nameChunks: string[] = [];
	private readonly restChunks: string[] = [];
	private readonly nameAt: number[] = [];
	private readonly restAt: number[] = [];
	private readonly qualifiedLength: number[] = [];
	private nameEnd = 0;
	private restEnd = 0;

	add(s: { name: string; qualified_name: string; path: string }): void {
		const name = s.name.toLowerCase();
		const qualified = s.qualified_name.toLowerCase();
		const rest = `${qualified}\u0000${s.path.toLowerCase()}`;
		this.nameAt.push(this.nameEnd);
		this.restAt.push(this.restEnd);
		this.qualifiedLength.push(qualified.length);
		this.names.push(name);
		this.rest.push(rest);
		this.nameEnd += name.length + 1;
		this.restEnd += rest.length + 1;
		if (this.names.length === PIECES) this.flush();
	}

	private flush(): void {
		if (!this.names.length) return;
		this.nameChunks.push(this.names.join('\u0000') + '\u0000');
		this.restChunks.push(this.rest.join('\u0000') + '\u0000');
		this.names = [];
		this.rest = [];
	}

	finish(): SearchText {
		this.flush();
		return {
			names: this.nameChunks.join(''),
			nameAt: Int32Array.from([...this.nameAt, this.nameEnd]),
			rest: this.restChunks.join(''),
			restAt: Int32Array.from([...this.restAt, this.restEnd]),
			qualifiedLength: Int32Array.from(this.qualifiedLength)
		};
	}
}
