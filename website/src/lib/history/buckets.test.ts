import { describe, expect, it } from 'vitest';
import type { History, Month } from '$lib/docpack/history';
import { bucketDays, bucketIndex, timelineOf, unitFor, weeks } from './buckets';
import { stateUpTo } from './scrub';

const day = (month: string, commits: number, authors = 1): Month => ({
	month,
	commits,
	authors,
	added: commits * 10,
	removed: commits,
	files_added: 0,
	files_deleted: 0,
	languages: { rust: { added: commits * 10, removed: commits } },
	symbols_added: commits,
	symbols_removed: 0
});

/** 660 commits in a week of one month, as Doctown's own history. */
function history(days: Month[]): History {
	return {
		format: 'doctown-history',
		version: 1,
		summary: { commits: 660, merges: 6, authors: 1, files: 1127, shallow: false, boundary_commits: 0, first_parent: false, truncated: false, symbols: true, first_commit: '2026-11-22T03:24:32Z', last_commit: '2026-11-28T01:15:05Z' },
		authors: [{ key: 'a', name: 'A', commits: 660, added: 1, removed: 0, first_commit: '2026-11-22T03:24:32Z', last_commit: '2026-11-28T01:15:05Z' }],
		files: [],
		symbols: [],
		coupling: { min_support: 2, min_revisions: 2, min_degree: 0, max_changeset: 30, skipped_commits: 0, files: [], symbols: [] },
		ownership: { files: [], modules: [], module_depth: 2 },
		modules: [],
		hotspots: { basis: 'complexity', limit: 20, files: [], symbols: [], modules: [] },
		timeline: [day('2026-11', 660)],
		days
	} as History;
}

describe('the timeline’s grain', () => {
	it('is the day for a few weeks, the week up to three months, else the month', () => {
		expect(unitFor(7, true)).toBe('day');
		expect(unitFor(35, true)).toBe('day');
		expect(unitFor(36, true)).toBe('week');
		expect(unitFor(7, false)).toBe('month');
	});

	it('scrubs a week of commits day by day', () => {
		const days = ['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'].map((d, i) => day(d, [50, 120, 90, 0, 200, 100, 100][i]));
		const t = timelineOf(history(days));
		expect(t.unit).toBe('day');
		expect(t.buckets).toHaveLength(7);
		expect(bucketIndex(t, '2026-11-24')).toBe(2);
		expect(bucketIndex(t, null)).toBe(6);
		const upTo = stateUpTo(history(days), 2, 8, t);
		expect(upTo.commits).toBe(260);
		expect(upTo.authors).toHaveLength(1);
		expect(upTo.active).toHaveLength(1);
	});

	it('falls back to months when the docpack has no days', () => {
		const t = timelineOf(history([]));
		expect(t.unit).toBe('month');
		expect(t.buckets.map((b) => b.month)).toEqual(['2026-11']);
	});

	it('sums days into weeks from Monday', () => {
		const days = Array.from({ length: 40 }, (_, i) => day(new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10), 1, (i % 3) + 1));
		const t = timelineOf(history(days));
		expect(t.unit).toBe('week');
		// 2026-10-01 is a Thursday: its week starts on Monday 2026-09-28.
		expect(t.buckets[0].month).toBe('2026-09-28');
		expect(t.buckets[0].commits).toBe(4);
		expect(t.buckets[1]).toMatchObject({ month: '2026-10-05', commits: 7, authors: 3 });
		expect(weeks(days).reduce((n, w) => n + w.commits, 0)).toBe(40);
		expect(bucketDays('week', '2026-10-05')).toEqual({ first: '2026-10-05', last: '2026-10-11' });
		expect(bucketDays('month', '2026-10')).toEqual({ first: '2026-10-01', last: '2026-10-31' });
	});
});
