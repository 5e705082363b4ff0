import { describe, expect, it } from 'vitest';
import { cannedEvents, smallFixture } from '../../tests/fixtures/fixtures.mjs';
import { aggregate, elapsedMs, mergeState, ranked } from './stats';
import type { EventEnvelope } from './events';

describe('stats aggregation', () => {
	const fixture = smallFixture();

	it('folds a successful job', () => {
		const events: EventEnvelope[] = cannedEvents('job-1', fixture);
		const stats = aggregate(events);
		expect(stats.status).toBe('succeeded');
		expect(stats.events).toBe(events.length);
		expect(stats.files).toEqual({ detected: 5, parsed: 5, skipped: 2, total: 7 });
		expect(stats.chunks).toBe(22);
		expect(stats.symbols).toBe(22);
		expect(stats.skipReasons).toEqual({ lock_file: 1, unsupported_language: 1 });
		expect(stats.languages).toEqual({ rust: 3, python: 2 });
		expect(stats.clusters).toBe(3);
		expect(stats.embedded).toEqual({ batches: 1, texts: 22 });
		expect(stats.documented).toEqual({ model: 0, facts: 22, failed: 0 });
		expect(stats.estimatedCostUsd).toBeNull();
		expect(stats.docpackBytes).toBe(fixture.bytes.length);
		expect(Object.values(stats.stages).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
		expect(stats.stages.ingest.durationMs).toBe(412);
		expect(elapsedMs(stats, Date.now())).toBe(1600);
	});

	it('counts live progress before the totals arrive', () => {
		const events: EventEnvelope[] = cannedEvents('job-1', fixture).slice(0, 12);
		const stats = aggregate(events);
		expect(stats.status).toBe('running');
		expect(stats.stages.ingest.status).toBe('running');
		expect(stats.stages.embed.status).toBe('pending');
		expect(stats.files.detected).toBe(5);
		expect(stats.files.parsed).toBeNull();
		expect(stats.chunks).toBe(4);
		const first = Date.parse(events[0].timestamp);
		expect(elapsedMs(stats, first + 5000)).toBe(5000);
	});

	it('records failures with their message', () => {
		const stats = aggregate(cannedEvents('job-2', fixture, { fail: true }));
		expect(stats.status).toBe('failed');
		expect(stats.error).toContain('file changed while reading');
		expect(stats.stages.ingest.status).toBe('failed');
		expect(stats.stages.ingest.error).toContain('file changed while reading');
		expect(stats.stages.embed.status).toBe('pending');
	});

	it('takes statuses from the job state document', () => {
		const stats = aggregate([]);
		mergeState(stats, {
			job_id: 'j',
			status: 'running',
			stages: { ingest: { status: 'succeeded', duration_ms: 10 }, embed: { status: 'failed', error: { message: 'no model' } } }
		});
		expect(stats.status).toBe('running');
		expect(stats.stages.ingest).toMatchObject({ status: 'succeeded', durationMs: 10 });
		expect(stats.stages.embed.error).toBe('no model');
	});

	it('ranks counts for the bars', () => {
		expect(ranked({ a: 1, b: 4, c: 2 })).toEqual([
			{ key: 'b', count: 4, share: 1 },
			{ key: 'c', count: 2, share: 0.5 },
			{ key: 'a', count: 1, share: 0.25 }
		]);
	});
});
