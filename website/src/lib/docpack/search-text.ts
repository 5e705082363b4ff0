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
	/**
	 * What each symbol says in words — its name and qualified name split
	 * into words, its signature, doc comment, summary and the vocabulary of
	 * its code (`words`) — each symbol's distinct words between spaces and
	 * ended by a NUL; absent above {@link WORDS_UP_TO} symbols (the search
	 * then reads names only, and says so).
	 */
	words?: string;
	wordsAt?: Int32Array;
}

/** Docpacks of up to this many symbols are searched by their words too (a few hundred bytes a symbol). */
export const WORDS_UP_TO = 300_000;

const isWord = (w: string) => w.length >= 2 && !/^\d+$/.test(w);

/**
 * Words a text holds: each run of letters and digits lower-cased, and,
 * where it changes case inside (`GitHub`, `parseUrl`), its parts too —
 * so `GitHub` in a doc comment and `github_url` in a name share `github`.
 */
export function wordsOf(text: string): string[] {
	const out: string[] = [];
	for (const run of text.split(/[^A-Za-z0-9]+/)) {
		const whole = run.toLowerCase();
		if (isWord(whole)) out.push(whole);
		const parts = run
			.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
			.replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
			.toLowerCase()
			.split(' ');
		if (parts.length > 1) out.push(...parts.filter(isWord));
	}
	return out;
}

/** A query's words: each run whole (`GitHub` is `github`), as a reader types it. */
export function queryWords(text: string): string[] {
	return text
		.toLowerCase()
		.split(/[^a-z0-9]+/)
		.filter(isWord);
}

/** What a symbol brings to the word index (summaries carry only names; whole nodes the rest). */
interface Wordy {
	name: string;
	qualified_name: string;
	signature?: string;
	doc_comment?: string | null;
	documentation?: { summary?: string } | null;
	words?: string;
}

function symbolWords(s: Wordy): string {
	const text = [s.name, s.qualified_name, s.signature ?? '', s.doc_comment ?? '', s.documentation?.summary ?? '', s.words ?? ''].join(' ');
	return ` ${[...new Set(wordsOf(text))].join(' ')} `;
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
	private words: string[] = [];
	private readonly wordChunks: string[] = [];
	private readonly wordsAt: number[] = [];
	private wordsEnd = 0;
	private withWords = true;
	private nameEnd = 0;
	private restEnd = 0;

	add(s: Wordy & { path: string }): void {
		if (this.withWords && this.nameAt.length >= WORDS_UP_TO) {
			this.withWords = false;
			this.words = [];
			this.wordChunks.length = 0;
		}
		if (this.withWords) {
			const w = symbolWords(s);
			this.wordsAt.push(this.wordsEnd);
			this.words.push(w);
			this.wordsEnd += w.length + 1;
		}
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
		if (this.words.length) this.wordChunks.push(this.words.join('\u0000') + '\u0000');
		this.words = [];
	}

	finish(): SearchText {
		this.flush();
		return {
			names: this.nameChunks.join(''),
			nameAt: Int32Array.from([...this.nameAt, this.nameEnd]),
			rest: this.restChunks.join(''),
			restAt: Int32Array.from([...this.restAt, this.restEnd]),
			qualifiedLength: Int32Array.from(this.qualifiedLength),
			...(this.withWords ? { words: this.wordChunks.join(''), wordsAt: Int32Array.from([...this.wordsAt, this.wordsEnd]) } : {})
		};
	}
}
