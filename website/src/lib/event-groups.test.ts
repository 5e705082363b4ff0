import { describe, expect, it } from 'vitest';
import { describeGroup, groupEvents, type LogItem } from './event-groups';
import type { EventEnvelope } from './events';

let seq = 0;
const ev = (type: string, payload: Record<string, unknown> = {}): EventEnvelope =>
	({ id: `evt_${seq}`, type, job_id: 'j', sequence: seq++, timestamp: '2026-11-28T01:42:13.704Z', payload }) as EventEnvelope;

describe('the event log, grouped', () => {
	it('makes one row of a run of per-item events, and leaves short runs and other events alone', () => {
		const events = [
			ev('ingest.started.v1'),
			...Array.from({ length: 5 }, (_, i) => ev('ingest.file_skipped.v1', { path: `f${i}`, reason: i < 3 ? 'ignored' : 'unsupported_language' })),
			ev('ingest.chunk_created.v1'),
			ev('ingest.chunk_created.v1'),
			ev('ingest.completed.v1'),
			...Array.from({ length: 6 }, (_, i) => ev(i % 2 ? 'embedding.batch_completed.v1' : 'embedding.batch_started.v1')),
			ev('job.completed.v1')
		];
		const items = groupEvents(events);
		const shape = items.map((i: LogItem) => (i.kind === 'group' ? `${i.key}×${i.events.length}` : i.event.type));
		expect(shape).toEqual([
			'ingest.started.v1',
			'ingest.files×7',
			'ingest.completed.v1',
			'embedding.batch×6',
			'job.completed.v1'
		]);
		const skipped = items[1] as Extract<LogItem, { kind: 'group' }>;
		expect(describeGroup(skipped)).toBe('5 files skipped (ignored 3, unsupported language 2), 2 chunks');
		expect(describeGroup(items[3] as Extract<LogItem, { kind: 'group' }>)).toBe('3 batches embedded (6 events)');
	});

	it('summarises symbols documented by their source, with failures', () => {
		const events = [
			...Array.from({ length: 4 }, () => ev('generation.symbol_documented.v1', { source: 'facts' })),
			ev('generation.symbol_documented.v1', { source: 'model', error: 'timeout' })
		];
		const [group] = groupEvents(events);
		expect(group.kind).toBe('group');
		expect(describeGroup(group as Extract<LogItem, { kind: 'group' }>)).toBe('5 symbols documented: from facts 4, by model 1; 1 failure');
	});
});
