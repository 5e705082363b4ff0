import { describe, expect, it, vi } from 'vitest';
import {
	backoffDelay,
	EventStream,
	parseEnvelope,
	SseParser,
	splitType,
	stageOf,
	summarize,
	toneOf,
	type ConnectionState,
	type EventEnvelope
} from './events';

const envelope = (sequence: number, type: string, payload: Record<string, unknown> = {}, status?: string) => ({
	id: `evt_${sequence}`,
	type,
	job_id: 'job-1',
	sequence,
	timestamp: `2026-01-01T00:00:00.${String(sequence).padStart(3, '0')}Z`,
	context: { repo: 'https://github.com/o/r' },
	meta: { producer: 'test', producer_version: '0', trace_id: 't', idempotency_key: 'k' },
	...(status ? { status } : {}),
	payload
});

const sse = (events: object[]) => events.map((e: any) => `id: ${e.sequence}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');

describe('event types', () => {
	it('splits versioned types and maps prefixes to stages', () => {
		expect(splitType('ingest.file_detected.v1')).toEqual({ prefix: 'ingest', name: 'file_detected', version: 1 });
		expect(stageOf('embedding.batch_completed.v1')).toBe('embed');
		expect(stageOf('assembly.cluster_created.v1')).toBe('assemble');
		expect(stageOf('generation.started.v1')).toBe('generate');
		expect(stageOf('pack.completed.v1')).toBe('pack');
		expect(stageOf('job.completed.v1')).toBeNull();
	});

	it('parses an envelope and rejects malformed ones', () => {
		const e = parseEnvelope(JSON.stringify(envelope(3, 'ingest.file_detected.v1', { path: 'a.rs' })));
		expect(e.sequence).toBe(3);
		expect(e.payload.path).toBe('a.rs');
		expect(() => parseEnvelope('{')).toThrow('not JSON');
		expect(() => parseEnvelope('{"type":"x"}')).toThrow('no valid sequence');
		expect(() => parseEnvelope('{"sequence":1}')).toThrow('no type');
	});

	it('summarises events in one line, never raw JSON', () => {
		const line = (type: string, payload: Record<string, unknown>, status?: string) =>
			summarize(parseEnvelope(JSON.stringify(envelope(1, type, payload, status))));
		expect(line('ingest.file_detected.v1', { path: 'src/a.rs', language: 'rust', size_bytes: 2048 })).toBe('src/a.rs · rust · 2.0 KB');
		expect(line('ingest.file_skipped.v1', { path: 'Cargo.lock', reason: 'lock_file', size_bytes: 1 })).toBe('Cargo.lock · lock file');
		expect(line('ingest.chunk_created.v1', { chunk_id: 'c', path: 'a.rs', symbol: 'main', start_line: 1, end_line: 9, bytes: 100 })).toBe(
			'a.rs:1-9 main · 100 B'
		);
		expect(line('job.completed.v1', { status: 'failed', error: 'boom', duration_ms: 1500 }, 'failed')).toBe('job failed in 1.50 s: boom');
		expect(line('pack.completed.v1', { status: 'succeeded', size_bytes: 7862, docpack_id: '0485903fa5e1b842', duration_ms: 12 }, 'succeeded')).toBe(
			'pack succeeded: 7.7 KB, id 0485903fa5e1 in 12 ms'
		);
		expect(line('ingest.completed.v1', { status: 'succeeded', duration_ms: 12 }, 'succeeded')).toContain('ingest succeeded');
		expect(line('assembly.weird_completed.v1', { status: 'failed', duration_ms: 12 }, 'failed')).toBe('weird completed · status=failed duration_ms=12');
		expect(line('future.thing_happened.v2', { count: 3, nested: { a: 1 } })).toBe('thing happened · count=3');
	});

	it('colours by event kind', () => {
		const tone = (type: string, payload: Record<string, unknown> = {}, status?: string) =>
			toneOf(parseEnvelope(JSON.stringify(envelope(1, type, payload, status))));
		expect(tone('ingest.started.v1')).toBe('started');
		expect(tone('ingest.completed.v1', { status: 'succeeded' }, 'succeeded')).toBe('completed');
		expect(tone('ingest.completed.v1', { status: 'failed' }, 'failed')).toBe('failed');
		expect(tone('ingest.file_detected.v1')).toBe('detected');
		expect(tone('ingest.file_skipped.v1')).toBe('skipped');
		expect(tone('ingest.chunk_created.v1')).toBe('chunk');
		expect(tone('embedding.batch_completed.v1')).toBe('progress');
		expect(tone('generation.symbol_documented.v1', { error: 'timeout' })).toBe('failed');
	});
});

describe('SseParser', () => {
	it('handles split chunks, CRLF, comments and multi-line data', () => {
		const parser = new SseParser();
		expect(parser.feed(': keep-alive\r\n\r\nid: 1\r\nevent: a\r')).toEqual([]);
		expect(parser.feed('\ndata: {"x":\r\ndata: 1}\r\n\r\n')).toEqual([{ event: 'a', data: '{"x":\n1}', id: '1' }]);
		expect(parser.feed('data:plain\n\ndata')).toEqual([{ event: 'message', data: 'plain', id: '1' }]);
		expect(parser.feed(': 2\n\n')).toEqual([{ event: 'message', data: '2', id: '1' }]);
	});
});

describe('EventStream', () => {
	function body(text: string, { close = true } = {}) {
		return new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode(text));
				if (close) controller.close();
			}
		});
	}

	it('reconnects with backoff, resumes after the last sequence and stops at job.completed.v1', async () => {
		const events = [
			envelope(0, 'ingest.started.v1', { source: 's' }),
			envelope(1, 'ingest.file_detected.v1', { path: 'a.rs', language: 'rust', size_bytes: 1 }),
			envelope(2, 'ingest.completed.v1', { status: 'succeeded', duration_ms: 1 }, 'succeeded'),
			envelope(3, 'job.completed.v1', { status: 'succeeded', duration_ms: 2 }, 'succeeded')
		];
		const requests: { url: string; lastEventId: string | null }[] = [];
		const responses = [
			() => new Response(body(sse(events.slice(0, 2))), { status: 200 }), // cut after two events
			() => Promise.reject(new TypeError('network down')),
			() => new Response('{"error":"busy"}', { status: 503 }),
			// the server repeats event 1: it must be dropped
			() => new Response(body(sse(events.slice(1)) + sse([envelope(4, 'late.event.v1')])), { status: 200 })
		];
		const fetch = vi.fn(async (url: string, init: RequestInit) => {
			requests.push({ url, lastEventId: (init.headers as Record<string, string>)['last-event-id'] ?? null });
			return responses[requests.length - 1]();
		});
		const delays: number[] = [];
		const received: number[] = [];
		const states: ConnectionState[] = [];
		const stream = new EventStream({
			url: '/jobs/job-1/events',
			onEvent: (e: EventEnvelope) => received.push(e.sequence),
			onState: (s) => states.push(s),
			fetch: fetch as unknown as typeof globalThis.fetch,
			sleep: async (ms) => void delays.push(ms),
			random: () => 0.5,
			initialDelayMs: 100
		});
		await stream.run();
		expect(received).toEqual([0, 1, 2, 3]);
		expect(requests.map((r) => r.url)).toEqual([
			'/jobs/job-1/events',
			'/jobs/job-1/events?after=1',
			'/jobs/job-1/events?after=1',
			'/jobs/job-1/events?after=1'
		]);
		expect(requests.map((r) => r.lastEventId)).toEqual([null, '1', '1', '1']);
		expect(delays).toEqual([100, 200, 400]);
		expect(states.at(-1)).toBe('closed');
		expect(states).toContain('live');
		expect(states).toContain('reconnecting');
	});

	it('gives up on a missing job without retrying', async () => {
		const fetch = vi.fn(async () => new Response('{"error":"job nope not found"}', { status: 404 }));
		const states: [ConnectionState, string | undefined][] = [];
		const stream = new EventStream({
			url: '/jobs/nope/events',
			onEvent: () => {},
			onState: (s, d) => states.push([s, d]),
			fetch: fetch as unknown as typeof globalThis.fetch,
			sleep: async () => {}
		});
		await stream.run();
		expect(fetch).toHaveBeenCalledTimes(1);
		expect(states.at(-1)).toEqual(['error', 'job nope not found']);
	});

	it('stops after too many failed attempts', async () => {
		const fetch = vi.fn(async () => {
			throw new TypeError('offline');
		});
		const states: ConnectionState[] = [];
		await new EventStream({
			url: '/e',
			onEvent: () => {},
			onState: (s) => states.push(s),
			fetch: fetch as unknown as typeof globalThis.fetch,
			sleep: async () => {},
			maxAttempts: 3
		}).run();
		expect(fetch).toHaveBeenCalledTimes(4);
		expect(states.at(-1)).toBe('error');
	});

	it('backoff doubles up to the cap with jitter', () => {
		expect([1, 2, 3, 4, 10].map((a) => backoffDelay(a, 500, 4000, () => 0.5))).toEqual([500, 1000, 2000, 4000, 4000]);
		expect(backoffDelay(1, 1000, 4000, () => 0)).toBe(800);
		expect(backoffDelay(1, 1000, 4000, () => 1)).toBe(1200);
	});
});
