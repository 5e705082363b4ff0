/**
 * Job events: the v1 envelope (mirroring
 * `common/core/src/events*.rs`), one-line summaries for the event log, an SSE
 * text parser and a resumable SSE client with exponential backoff.
 */

import type { JobStatus, StageName } from './api';
import { formatBytes, formatDuration } from './format';

export interface EventEnvelope {
	id: string;
	type: string;
	job_id: string;
	sequence: number;
	/** RFC 3339 with milliseconds, UTC. */
	timestamp: string;
	context: { repo?: string; ref?: string; user?: string };
	meta: { producer: string; producer_version: string; trace_id: string; idempotency_key: string };
	/** Only on terminal `.completed` events. */
	status?: JobStatus;
	payload: Record<string, unknown>;
}

/*
 * Payloads are read field by field where they are used (summarize, stats.ts);
 * their shapes are the structs in common/core/src/events/*.rs. Unknown event
 * types and fields are tolerated, so newer servers never break the page.
 */

export const TERMINAL_EVENT = 'job.completed.v1';

/** Event type prefixes (before the first dot) → pipeline stage. */
const STAGE_PREFIXES: Record<string, StageName> = {
	ingest: 'ingest',
	embedding: 'embed',
	embed: 'embed',
	assembly: 'assemble',
	assemble: 'assemble',
	generation: 'generate',
	generate: 'generate',
	pack: 'pack',
	packing: 'pack'
};

/** `ingest.file_detected.v1` → `{prefix: 'ingest', name: 'file_detected', version: 1}`. */
export function splitType(type: string): { prefix: string; name: string; version: number } {
	const parts = type.split('.');
	const last = parts[parts.length - 1] ?? '';
	const versioned = /^v\d+$/.test(last);
	return {
		prefix: parts[0] ?? '',
		name: parts.slice(1, versioned ? -1 : undefined).join('.'),
		version: versioned ? Number(last.slice(1)) : 0
	};
}

export function stageOf(type: string): StageName | null {
	return STAGE_PREFIXES[splitType(type).prefix] ?? null;
}

/** Parses one SSE `data:` field into an envelope, or throws with the reason. */
export function parseEnvelope(data: string): EventEnvelope {
	let value: unknown;
	try {
		value = JSON.parse(data);
	} catch {
		throw new Error('event data is not JSON');
	}
	const e = value as Partial<EventEnvelope>;
	if (!e || typeof e !== 'object') throw new Error('event data is not an object');
	if (typeof e.type !== 'string' || !e.type) throw new Error('event has no type');
	if (typeof e.sequence !== 'number' || !Number.isInteger(e.sequence) || e.sequence < 0) {
		throw new Error(`event ${e.type} has no valid sequence`);
	}
	if (typeof e.timestamp !== 'string') throw new Error(`event ${e.type} has no timestamp`);
	return {
		id: String(e.id ?? ''),
		type: e.type,
		job_id: String(e.job_id ?? ''),
		sequence: e.sequence,
		timestamp: e.timestamp,
		context: e.context ?? {},
		meta: e.meta ?? { producer: '', producer_version: '', trace_id: '', idempotency_key: '' },
		status: e.status,
		payload: (e.payload && typeof e.payload === 'object' ? e.payload : {}) as Record<string, unknown>
	};
}

/** The colour class of an event in the log. */
export type EventTone =
	| 'started'
	| 'completed'
	| 'failed'
	| 'detected'
	| 'skipped'
	| 'chunk'
	| 'progress'
	| 'cluster'
	| 'documented'
	| 'other';

export function toneOf(event: EventEnvelope): EventTone {
	const { name } = splitType(event.type);
	const status = event.status ?? (event.payload.status as string | undefined);
	if (status === 'failed' || status === 'cancelled' || (name === 'symbol_documented' && event.payload.error)) {
		return 'failed';
	}
	if (name === 'completed' || name.endsWith('_completed')) return name === 'completed' ? 'completed' : 'progress';
	if (name === 'started') return 'started';
	if (name.endsWith('_started')) return 'progress';
	if (name === 'file_detected') return 'detected';
	if (name === 'file_skipped') return 'skipped';
	if (name === 'chunk_created') return 'chunk';
	if (name === 'cluster_created') return 'cluster';
	if (name === 'symbol_documented') return 'documented';
	return 'other';
}

const n = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));
const fmtCount = (v: unknown) => n(v).toLocaleString('en-US');

/** One line describing an event, for the log (never raw JSON). */
export function summarize(event: EventEnvelope): string {
	const p = event.payload as Record<string, any>;
	const { name } = splitType(event.type);
	const failure = p.error ? `: ${p.error}` : '';
	switch (event.type) {
		case 'ingest.started.v1':
			return `ingest ${p.source}${p.git_ref ? ` @ ${p.git_ref}` : ''}${p.commit ? ` (${String(p.commit).slice(0, 10)})` : ''}`;
		case 'ingest.file_detected.v1':
			return `${p.path} · ${p.language} · ${formatBytes(n(p.size_bytes))}`;
		case 'ingest.file_skipped.v1':
			return `${p.path} · ${String(p.reason).replace(/_/g, ' ')}`;
		case 'ingest.chunk_created.v1':
			return `${p.path}:${p.start_line}-${p.end_line}${p.symbol ? ` ${p.symbol}` : ''} · ${formatBytes(n(p.bytes))}`;
		case 'ingest.completed.v1':
			return `ingest ${p.status}: ${fmtCount(p.totals?.files_parsed)} files parsed, ${fmtCount(p.totals?.files_skipped)} skipped, ${fmtCount(p.totals?.symbols)} symbols, ${fmtCount(p.totals?.chunks)} chunks in ${formatDuration(n(p.duration_ms))}${failure}`;
		case 'embedding.started.v1':
			return `embed ${fmtCount(p.chunks)} chunks with ${p.model_id}: ${fmtCount(p.cache_hits)} cached, ${fmtCount(p.cache_misses)} to embed`;
		case 'embedding.batch_started.v1':
			return `batch ${p.batch}: ${fmtCount(p.texts)} texts, ${fmtCount(p.tokens)} tokens`;
		case 'embedding.batch_completed.v1':
			return `batch ${p.batch} done: ${fmtCount(p.texts)} texts in ${formatDuration(n(p.duration_ms))}`;
		case 'embedding.completed.v1':
			return `embed ${p.status}: ${fmtCount(p.totals?.chunks)} chunks, ${fmtCount(p.totals?.batches)} batches${p.device ? ` on ${p.device}` : ''} in ${formatDuration(n(p.duration_ms))}${failure}`;
		case 'assembly.started.v1':
			return `assemble ${fmtCount(p.symbols)} symbols in ${fmtCount(p.files)} files (${p.method}${p.embeddings ? ', with embeddings' : ''})`;
		case 'assembly.cluster_created.v1':
			return `cluster ${p.id} "${p.label}" · ${fmtCount(p.size)} symbols`;
		case 'assembly.graph_completed.v1':
			return `graph: ${fmtCount(p.nodes)} nodes, ${fmtCount(p.edges)} edges`;
		case 'assembly.completed.v1':
			return `assemble ${p.status}: ${fmtCount(p.totals?.nodes)} nodes, ${fmtCount(p.totals?.edges)} edges, ${fmtCount(p.totals?.clusters)} clusters in ${formatDuration(n(p.duration_ms))}${failure}`;
		case 'generation.started.v1':
			return `generate ${fmtCount(p.symbols)} summaries with ${p.model ?? p.backend}${n(p.estimated_cost_usd) > 0 ? ` (estimated $${n(p.estimated_cost_usd).toFixed(4)})` : ''}`;
		case 'generation.symbol_documented.v1':
			return `${p.symbol_id} · ${p.source}${p.model ? ` (${p.model})` : ''}${failure}`;
		case 'pack.started.v1':
			return `pack ${p.name ?? ''}`.trim();
		case 'pack.completed.v1':
			return `pack ${p.status}: ${formatBytes(n(p.size_bytes))}${p.docpack_id ? `, id ${String(p.docpack_id).slice(0, 12)}` : ''} in ${formatDuration(n(p.duration_ms))}${failure}`;
		case 'generation.completed.v1':
			return `generate ${p.status}: ${fmtCount(p.totals?.documented)} by model, ${fmtCount(p.totals?.from_facts)} from facts${n(p.totals?.cost_usd) > 0 ? `, $${n(p.totals?.cost_usd).toFixed(4)}` : ''} in ${formatDuration(n(p.duration_ms))}${failure}`;
		case TERMINAL_EVENT:
			return `job ${p.status} in ${formatDuration(n(p.duration_ms))}${failure}`;
	}
	if (name === 'completed' && p.status) {
		return `${splitType(event.type).prefix} ${p.status}${p.duration_ms != null ? ` in ${formatDuration(n(p.duration_ms))}` : ''}${failure}`;
	}
	const scalars = Object.entries(p)
		.filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
		.slice(0, 4)
		.map(([k, v]) => `${k}=${v}`);
	return `${name.replace(/_/g, ' ')}${scalars.length ? ` · ${scalars.join(' ')}` : ''}`;
}

/* ---- Server-sent events ---- */

export interface SseMessage {
	event: string;
	data: string;
	id?: string;
}

/** Incremental parser of the `text/event-stream` format. */
export class SseParser {
	private buffer = '';
	private event = '';
	private data: string[] = [];
	private id: string | undefined;

	/** Feeds text; returns the messages completed by it. */
	feed(text: string): SseMessage[] {
		this.buffer += text;
		const out: SseMessage[] = [];
		let match: RegExpExecArray | null;
		const lineEnd = /\r\n|\n|\r/g;
		let start = 0;
		while ((match = lineEnd.exec(this.buffer))) {
			// A lone \r at the end may be the first half of \r\n: wait for more.
			if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
			this.line(this.buffer.slice(start, match.index), out);
			start = match.index + match[0].length;
		}
		this.buffer = this.buffer.slice(start);
		return out;
	}

	private line(line: string, out: SseMessage[]): void {
		if (line === '') {
			if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
			this.event = '';
			this.data = [];
			return;
		}
		if (line.startsWith(':')) return;
		const colon = line.indexOf(':');
		const field = colon < 0 ? line : line.slice(0, colon);
		let value = colon < 0 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'event') this.event = value;
		else if (field === 'data') this.data.push(value);
		else if (field === 'id' && !value.includes('\0')) this.id = value;
	}
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'error';

export interface EventStreamOptions {
	url: string;
	onEvent: (event: EventEnvelope) => void;
	onState?: (state: ConnectionState, detail?: string) => void;
	/** Resume after this sequence (events up to it were already seen). */
	after?: number;
	initialDelayMs?: number;
	maxDelayMs?: number;
	/** Consecutive failed attempts before giving up (state `error`). */
	maxAttempts?: number;
	fetch?: typeof fetch;
	sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
	random?: () => number;
}

/** Backoff before attempt `attempt` (1-based): initial·2^(attempt−1), capped, ±20 % jitter. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
	const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
	return Math.round(base * (0.8 + 0.4 * random()));
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => {
			clearTimeout(timer);
			resolve();
		});
	});
}

class FatalStreamError extends Error {}

/**
 * A job's event stream over `fetch` (so that headers, backoff and closing are
 * under our control): reconnects with exponential backoff, resumes with
 * `Last-Event-ID` and `?after=N`, drops duplicates by sequence, and closes
 * for good on `job.completed.v1`.
 */
export class EventStream {
	private controller = new AbortController();
	private lastSequence: number;
	private done = false;

	constructor(private readonly options: EventStreamOptions) {
		this.lastSequence = options.after ?? -1;
	}

	get last(): number {
		return this.lastSequence;
	}

	/** Runs until the terminal event, a fatal error, too many failures, or {@link close}. */
	async run(): Promise<void> {
		const o = this.options;
		const initial = o.initialDelayMs ?? 500;
		const max = o.maxDelayMs ?? 15_000;
		const maxAttempts = o.maxAttempts ?? 10;
		const sleep = o.sleep ?? abortableSleep;
		const random = o.random ?? Math.random;
		let failures = 0;
		while (!this.done && !this.controller.signal.aborted) {
			this.state(failures === 0 && this.lastSequence < 0 ? 'connecting' : 'reconnecting');
			let received = 0;
			let problem: string;
			try {
				received = await this.connect();
				if (this.done || this.controller.signal.aborted) break;
				problem = 'stream ended before the job completed';
			} catch (e) {
				if (this.controller.signal.aborted) break;
				if (e instanceof FatalStreamError) {
					this.done = true;
					this.state('error', e.message);
					return;
				}
				problem = (e as Error).message || 'connection failed';
			}
			failures = received > 0 ? 1 : failures + 1;
			if (failures > maxAttempts) {
				this.state('error', `lost the event stream: ${problem}`);
				return;
			}
			const delay = backoffDelay(failures, initial, max, random);
			this.state('reconnecting', `${problem}; retrying in ${(delay / 1000).toFixed(1)} s`);
			await sleep(delay, this.controller.signal);
		}
		if (this.done) this.state('closed');
	}

	close(): void {
		this.done = true;
		this.controller.abort();
	}

	private state(state: ConnectionState, detail?: string): void {
		this.options.onState?.(state, detail);
	}

	/** One connection; returns how many new events arrived. */
	private async connect(): Promise<number> {
		const o = this.options;
		const headers: Record<string, string> = { accept: 'text/event-stream' };
		let url = o.url;
		if (this.lastSequence >= 0) {
			headers['last-event-id'] = String(this.lastSequence);
			url += `${url.includes('?') ? '&' : '?'}after=${this.lastSequence}`;
		}
		const response = await (o.fetch ?? fetch)(url, { headers, signal: this.controller.signal, cache: 'no-store' });
		if (!response.ok) {
			let message = `HTTP ${response.status}`;
			try {
				const body = (await response.json()) as { error?: string };
				if (body?.error) message = body.error;
			} catch {
				/* not JSON */
			}
			if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
				throw new FatalStreamError(message);
			}
			throw new Error(message);
		}
		if (!response.body) throw new Error('the response has no body');
		this.state('live');
		const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
		const parser = new SseParser();
		let received = 0;
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) return received;
				for (const message of parser.feed(value)) {
					let event: EventEnvelope;
					try {
						event = parseEnvelope(message.data);
					} catch {
						continue; // keep-alives and malformed messages are skipped
					}
					if (event.sequence <= this.lastSequence) continue;
					this.lastSequence = event.sequence;
					received++;
					o.onEvent(event);
					if (event.type === TERMINAL_EVENT) {
						this.done = true;
						await reader.cancel().catch(() => {});
						return received;
					}
				}
			}
		} finally {
			reader.releaseLock?.();
		}
	}
}
