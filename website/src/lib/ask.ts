/**
 * Questions to the server about a job's docpack: `GET /api/jobs/{id}/ask`
 * (a cited answer: the engine's `AskAnswer`, as `doctown query ask --json`
 * prints it) and `GET /api/jobs/{id}/impact` (the engine's `Impact`).
 *
 * The answer is Markdown whose citations are `path:line` (or
 * `path:line-line`); {@link answerBlocks} cuts it into paragraphs and list
 * items whose citations name the symbol they point at — the one the server
 * resolved (`cited`), else the innermost symbol of the docpack whose lines
 * hold the cited line — so that the page can link each to the symbol panel.
 */

import { ApiError, errorMessage, getJson, jobPath } from './api';
import { SseParser } from './events';

/** A symbol as answers name it. */
export interface AnswerSymbol {
	id: string;
	/** The qualified name. */
	name: string;
	kind: string;
	path: string;
	line: number;
}

/** A citation of the answer and the symbol the server found it points at. */
export interface Cited extends AnswerSymbol {
	cite: string;
}

export interface AskAnswer {
	question: string;
	/** Markdown; citations as `path:line`. */
	answer: string;
	/** The model's id, or `evidence` when no model wrote the answer. */
	model: string;
	citations: string[];
	/** Citations outside the evidence (marked `[unverified]` in the answer). */
	unverified?: string[];
	withheld?: boolean;
	cited: Cited[];
	evidence: { question: string; items: (AnswerSymbol & { signature: string; summary?: string })[]; notes?: string[] };
	/** Why the answer is the evidence. */
	note?: string;
}

export interface ImpactAnswer {
	target: AnswerSymbol;
	depth: number;
	by_depth: number[];
	affected: (AnswerSymbol & { depth: number; via: 'calls' | 'references' })[];
	page: { offset: number; limit: number; total: number; next_offset?: number };
	tests: AnswerSymbol[];
	tests_total: number;
	/** `[module, affected symbols]`, most first. */
	modules: [string, number][];
	importing_files: string[];
	importing_files_total: number;
	truncated: boolean;
}

/** The longest question the server takes, in characters. */
export const MAX_QUESTION = 2000;

export function askUrl(jobId: string, question: string): string {
	return `/api${jobPath(jobId)}/ask?${new URLSearchParams({ q: question })}`;
}

export function impactUrl(jobId: string, symbol: string, { depth = 3, limit = 50 }: { depth?: number; limit?: number } = {}): string {
	return `/api${jobPath(jobId)}/impact?${new URLSearchParams({ symbol, depth: String(depth), limit: String(limit) })}`;
}

/**
 * Asks the server, streaming: `onText` gets the model's answer so far as it
 * is written (Server-Sent Events `text`), the promise the checked answer
 * (`answer`). A server that answers JSON instead (no streaming) is read as
 * JSON. Throws {@link ApiError} with the server's one-line message (status
 * 404 "… not served by this host" where it has no query engine), and the
 * fetch's `AbortError` when `signal` aborts it.
 */
export async function askJob(jobId: string, question: string, signal?: AbortSignal, onText?: (soFar: string) => void): Promise<AskAnswer> {
	let response: Response;
	try {
		response = await fetch(askUrl(jobId, question), { headers: { accept: 'text/event-stream, application/json' }, signal });
	} catch (e) {
		if ((e as Error).name === 'AbortError') throw e;
		throw new ApiError(`cannot reach the Doctown API (${(e as Error).message})`, 0);
	}
	if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
	if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream') && response.body) {
		return readAnswerStream(response.body, response.status, onText);
	}
	return checkedAnswer(await response.json().catch(() => null), response.status);
}

function checkedAnswer(body: unknown, status: number): AskAnswer {
	const answer = body as AskAnswer | null;
	if (!answer || typeof answer.answer !== 'string' || !Array.isArray(answer.citations)) throw new ApiError('the answer is not an ask answer', status);
	answer.cited ??= [];
	return answer;
}

/** Reads the events of a streamed answer: `text` pieces, then `answer` or `error`. */
export async function readAnswerStream(body: ReadableStream<Uint8Array>, status: number, onText?: (soFar: string) => void): Promise<AskAnswer> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	const parser = new SseParser();
	let soFar = '';
	try {
		for (;;) {
			const { value, done } = await reader.read();
			const messages = parser.feed(done ? decoder.decode() + '\n\n' : decoder.decode(value, { stream: true }));
			for (const m of messages) {
				if (m.event === 'text') {
					soFar += JSON.parse(m.data) as string;
					onText?.(soFar);
				} else if (m.event === 'answer') {
					return checkedAnswer(JSON.parse(m.data), status);
				} else if (m.event === 'error') {
					throw new ApiError((JSON.parse(m.data) as { error?: string }).error ?? 'the server failed to answer', 500);
				}
			}
			if (done) throw new ApiError('the answer ended before it was complete', status);
		}
	} finally {
		reader.releaseLock();
	}
}

/** Whether an error means the server has no ask route for this job (an older or a different server). */
export function askUnavailable(e: unknown): boolean {
	return e instanceof ApiError && ([405, 501].includes(e.status) || (e.status === 404 && /not served|no route/.test(e.message)));
}

/** A question the server would refuse, as its one-line reason; null when it may be sent. */
export function questionProblem(question: string): string | null {
	const q = question.trim();
	if (!q) return 'Type a question first.';
	const n = [...q].length;
	if (n > MAX_QUESTION) return `A question is at most ${MAX_QUESTION.toLocaleString('en-US')} characters (this one has ${n.toLocaleString('en-US')}).`;
	return null;
}

// ---------------------------------------------------------------- citations in the text

/** Where a symbol is, as citations are resolved against. */
export interface Located {
	id: string;
	path: string;
	range: { start_line: number; end_line: number };
}

export type Part = { text: string } | { cite: string; id: string | null; unverified: boolean };

export interface Block {
	kind: 'p' | 'li' | 'oli';
	/** Lines of the block (a list item's indented lines are lines of it). */
	lines: Part[][];
}

const PATH_CHAR = /[A-Za-z0-9._/\-+@%]/;

/**
 * The citations in `text`: `path:line` or `path:line-line`, where the path
 * has a `/` or a `.` and does not start with `//` (not a URL or a time of
 * day) — the engine's rule (`ask.rs`, `next_citation`).
 */
export function findCitations(text: string): { start: number; end: number; path: string; line: number }[] {
	const out: { start: number; end: number; path: string; line: number }[] = [];
	let from = 0;
	for (;;) {
		const k = text.indexOf(':', from);
		if (k < 0) break;
		let start = k;
		while (start > 0 && PATH_CHAR.test(text[start - 1])) start--;
		let end = k + 1;
		while (end < text.length && text[end] >= '0' && text[end] <= '9') end++;
		const path = text.slice(start, k);
		if (end > k + 1 && (path.includes('/') || path.includes('.')) && !path.startsWith('//')) {
			const line = Number(text.slice(k + 1, end));
			if (text[end] === '-') {
				let e2 = end + 1;
				while (e2 < text.length && text[e2] >= '0' && text[e2] <= '9') e2++;
				if (e2 > end + 1) end = e2;
			}
			out.push({ start, end, path, line });
			from = end;
		} else {
			from = k + 1;
		}
	}
	return out;
}

/** The innermost symbol of `symbols` in `path` whose lines hold `line`, if any. */
export function symbolAt(symbols: Iterable<Located>, path: string, line: number): string | null {
	let best: Located | null = null;
	for (const s of symbols) {
		if (s.path !== path || line < s.range.start_line || line > s.range.end_line) continue;
		if (!best || s.range.start_line > best.range.start_line || (s.range.start_line === best.range.start_line && s.range.end_line < best.range.end_line)) best = s;
	}
	return best?.id ?? null;
}

/**
 * The answer cut into blocks of text and citations: a citation names the
 * symbol the server resolved (`cited`), else `locate(path, line)` (the
 * docpack's symbol there), else none; one followed by ` [unverified]` is
 * marked so (the marker is dropped from the text).
 */
export function answerBlocks(answer: string, cited: Cited[], locate: (path: string, line: number) => string | null = () => null): Block[] {
	const byCite = new Map(cited.map((c) => [c.cite, c.id]));
	const parts = (line: string): Part[] => {
		const out: Part[] = [];
		let at = 0;
		for (const c of findCitations(line)) {
			if (c.start > at) out.push({ text: line.slice(at, c.start) });
			const cite = line.slice(c.start, c.end);
			const unverified = line.startsWith(' [unverified]', c.end);
			out.push({ cite, id: unverified ? null : (byCite.get(cite) ?? locate(c.path, c.line)), unverified });
			at = unverified ? c.end + ' [unverified]'.length : c.end;
		}
		if (at < line.length) out.push({ text: line.slice(at) });
		return out;
	};
	const blocks: Block[] = [];
	let open: Block | null = null;
	for (const raw of answer.replace(/\r\n?/g, '\n').split('\n')) {
		const line = raw.trimEnd();
		if (!line.trim()) {
			open = null;
			continue;
		}
		const ordered = /^\s*\d+[.)]\s+/.exec(line);
		const bullet = /^\s*[-*]\s+/.exec(line);
		if (ordered || bullet) {
			const marker = (ordered ?? bullet)!;
			open = { kind: ordered ? 'oli' : 'li', lines: [parts(line.slice(marker[0].length))] };
			blocks.push(open);
		} else if (open && (open.kind !== 'p' ? /^\s/.test(line) : true)) {
			open.lines.push(parts(line.trim()));
		} else {
			open = { kind: 'p', lines: [parts(line.trim())] };
			blocks.push(open);
		}
	}
	return blocks;
}

/** Blocks as the page lays them out: paragraphs, and runs of list items as one list. */
export type Group = { kind: 'p'; block: Block } | { kind: 'ul' | 'ol'; items: Block[] };

export function groupBlocks(blocks: Block[]): Group[] {
	const out: Group[] = [];
	for (const b of blocks) {
		if (b.kind === 'p') {
			out.push({ kind: 'p', block: b });
			continue;
		}
		const kind = b.kind === 'oli' ? 'ol' : 'ul';
		const last = out[out.length - 1];
		if (last && last.kind === kind) last.items.push(b);
		else out.push({ kind, items: [b] });
	}
	return out;
}

/**
 * What a change to `symbol` affects, from the server's engine (a page of
 * the affected symbols). Throws {@link ApiError} with the server's one-line
 * message, and the fetch's `AbortError` when `signal` aborts it.
 */
export async function impactJob(
	jobId: string,
	symbol: string,
	{ depth = 3, limit = 50, offset = 0, signal }: { depth?: number; limit?: number; offset?: number; signal?: AbortSignal } = {}
): Promise<ImpactAnswer> {
	const url = `${impactUrl(jobId, symbol, { depth, limit })}${offset ? `&offset=${offset}` : ''}`;
	return getJson<ImpactAnswer>(url, signal, (b) => (Array.isArray(b.affected) && b.page ? null : 'the answer is not an impact'));
}

/** Symbols a question shown as evidence when the browser answers it. */
export const LOCAL_EVIDENCE = 8;

/** What the browser's search needs of a docpack to answer from its evidence. */
interface LocalDocpack {
	search(query: string, limit: number): { id: string }[];
	details(ids: readonly string[]): Promise<
		{ id: string; qualified_name: string; kind: string; path: string; range: { start_line: number }; signature: string; documentation?: { summary?: string } | null }[]
	>;
}

/**
 * A question answered in the browser, for a docpack opened from a file: no
 * model runs here, so the answer is the evidence — the symbols the
 * browser's search finds for it (by names and words), each cited by
 * `path:line` with its summary, as the server answers without a model.
 */
export async function askLocally(docpack: LocalDocpack, question: string): Promise<AskAnswer> {
	const hits = docpack.search(question, LOCAL_EVIDENCE);
	const nodes = hits.length ? await docpack.details(hits.map((h) => h.id)) : [];
	const items = nodes.map((n) => ({
		id: n.id,
		name: n.qualified_name,
		kind: n.kind,
		path: n.path,
		line: n.range.start_line,
		signature: n.signature,
		summary: n.documentation?.summary
	}));
	const cite = (i: (typeof items)[number]) => `${i.path}:${i.line}`;
	const answer = items.length
		? `The symbols whose names and words match the question, most relevant first:\n\n${items.map((i) => `- \`${i.name}\` (${cite(i)})${i.summary ? `: ${i.summary}` : ''}`).join('\n')}`
		: 'No symbol of this docpack says these words. Try the names of what you are looking for.';
	return {
		question,
		answer,
		model: 'evidence',
		citations: items.map(cite),
		cited: items.map((i) => ({ id: i.id, name: i.name, kind: i.kind, path: i.path, line: i.line, cite: cite(i) })),
		evidence: { question, items },
		note: 'Answered in this browser: no language model runs here, so the answer is the evidence its search finds (by names and words, not by meaning). A docpack built by a server answers with its model.'
	};
}
