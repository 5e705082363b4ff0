/**
 * The job page's event log, grouped: a run of consecutive per-item events of
 * one kind (files detected or skipped, chunks, symbols documented, embedding
 * batches, clusters) is one row with a count and a summary, its events
 * listed when the row is opened. Other events stay rows of their own.
 */

import type { EventEnvelope } from './events';

/**
 * Per-item event types, and the key a run of them shares: ingest's files
 * detected, skipped and their chunks come interleaved (one run), as do an
 * embedding batch's start and end.
 */
const PER_ITEM: Record<string, string> = {
	'ingest.file_detected.v1': 'ingest.files',
	'ingest.file_skipped.v1': 'ingest.files',
	'ingest.chunk_created.v1': 'ingest.files',
	'embedding.batch_started.v1': 'embedding.batch',
	'embedding.batch_completed.v1': 'embedding.batch',
	'assembly.cluster_created.v1': 'assembly.cluster_created.v1',
	'generation.symbol_documented.v1': 'generation.symbol_documented.v1'
};

/** Runs shorter than this stay single rows. */
export const GROUP_MIN = 4;

export type LogItem = { kind: 'event'; event: EventEnvelope } | { kind: 'group'; key: string; events: EventEnvelope[] };

/** The events as rows: runs of at least `min` consecutive per-item events of one kind grouped, in order. */
export function groupEvents(events: readonly EventEnvelope[], min = GROUP_MIN): LogItem[] {
	const items: LogItem[] = [];
	let i = 0;
	while (i < events.length) {
		const key = PER_ITEM[events[i].type];
		let j = i + 1;
		if (key) while (j < events.length && PER_ITEM[events[j].type] === key) j++;
		if (key && j - i >= min) items.push({ kind: 'group', key, events: events.slice(i, j) });
		else for (let k = i; k < j; k++) items.push({ kind: 'event', event: events[k] });
		i = j;
	}
	return items;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const count = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;

/** `a 3, b 1` — the values of `key` in the payloads, most first (at most `limit`). */
function tally(events: readonly EventEnvelope[], key: string, limit = 4, label = (v: string) => v): string {
	const counts = new Map<string, number>();
	for (const e of events) {
		const v = (e.payload as Record<string, unknown>)[key];
		if (v == null) continue;
		counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
	}
	const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
	const shown = sorted.slice(0, limit).map(([v, n]) => `${label(v)} ${fmt(n)}`);
	if (sorted.length > limit) shown.push(`${sorted.length - limit} more`);
	return shown.join(', ');
}

/** One line for a group: how many, and what they were. */
export function describeGroup(group: Extract<LogItem, { kind: 'group' }>): string {
	const { events } = group;
	const n = events.length;
	const failed = events.filter((e) => (e.payload as Record<string, unknown>).error).length;
	const failures = failed ? `; ${count(failed, 'failure')}` : '';
	switch (group.key) {
		case 'ingest.files': {
			const of = (type: string) => events.filter((e) => e.type === type);
			const [detected, skipped, chunks] = [of('ingest.file_detected.v1'), of('ingest.file_skipped.v1'), of('ingest.chunk_created.v1')];
			const parts = [];
			if (detected.length) parts.push(`${count(detected.length, 'file')} detected (${tally(detected, 'language')})`);
			if (skipped.length) parts.push(`${count(skipped.length, 'file')} skipped (${tally(skipped, 'reason', 4, (v) => v.replace(/_/g, ' '))})`);
			if (chunks.length) parts.push(`${count(chunks.length, 'chunk')}`);
			return parts.join(', ');
		}
		case 'embedding.batch': {
			const done = events.filter((e) => e.type === 'embedding.batch_completed.v1').length;
			return `${count(done, 'batch', 'batches')} embedded (${count(n, 'event')})${failures}`;
		}
		case 'assembly.cluster_created.v1':
			return `${count(n, 'cluster')} created`;
		case 'generation.symbol_documented.v1':
			return `${count(n, 'symbol')} documented: ${tally(events, 'source', 4, (v) => (v === 'facts' ? 'from facts' : v === 'model' ? 'by model' : v))}${failures}`;
	}
	return `${count(n, 'event')}`;
}
