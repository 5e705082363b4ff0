/**
 * The history's timeline at the grain that suits its span: per day for a
 * few weeks, per week for up to three months (both from `days`, which the
 * CLI writes for a history of at most 92 days), else per month. A bucket is
 * a {@link Month} whose `month` is its key: `YYYY-MM` (month), `YYYY-MM-DD`
 * (day), or the week's Monday `YYYY-MM-DD` (week).
 */

import type { History, Month } from '$lib/docpack/history';

export type Unit = 'day' | 'week' | 'month';

export interface Timeline {
	unit: Unit;
	buckets: Month[];
}

/** A history of at most this many days is shown per day; up to `days`' 92, per week. */
export const DAILY_DAYS = 35;

const DAY_MS = 86_400_000;
const dayNumber = (key: string) => Math.floor(Date.parse(`${key}T00:00:00Z`) / DAY_MS);
const dayKey = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** The unit for a history of `days` days (first to last, inclusive) when days are known. */
export function unitFor(days: number, daysKnown: boolean): Unit {
	if (!daysKnown) return 'month';
	return days <= DAILY_DAYS ? 'day' : 'week';
}

/** Days summed into weeks starting on Monday (a week's authors: the most of one of its days, a lower bound). */
export function weeks(days: readonly Month[]): Month[] {
	const out: Month[] = [];
	for (const d of days) {
		const n = dayNumber(d.month);
		// 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
		const monday = dayKey(n - ((n + 3) % 7));
		let w = out.at(-1);
		if (!w || w.month !== monday) {
			w = { month: monday, commits: 0, authors: 0, added: 0, removed: 0, files_added: 0, files_deleted: 0, languages: {}, symbols_added: 0, symbols_removed: 0 };
			out.push(w);
		}
		w.commits += d.commits;
		w.authors = Math.max(w.authors, d.authors);
		w.added += d.added;
		w.removed += d.removed;
		w.files_added += d.files_added;
		w.files_deleted += d.files_deleted;
		w.symbols_added += d.symbols_added;
		w.symbols_removed += d.symbols_removed;
		for (const [name, l] of Object.entries(d.languages)) {
			const into = (w.languages[name] ??= { added: 0, removed: 0 });
			into.added += l.added;
			into.removed += l.removed;
		}
	}
	return out;
}

/** The history's timeline at the grain that suits it. */
export function timelineOf(history: History): Timeline {
	const days = history.days ?? [];
	const unit = unitFor(days.length, days.length > 0);
	if (unit === 'day') return { unit, buckets: days };
	if (unit === 'week') return { unit, buckets: weeks(days) };
	return { unit, buckets: history.timeline };
}

/** The first and last day (`YYYY-MM-DD`) a bucket covers. */
export function bucketDays(unit: Unit, key: string): { first: string; last: string } {
	if (unit === 'month') return { first: `${key}-01`, last: `${key}-31` };
	if (unit === 'day') return { first: key, last: key };
	return { first: key, last: dayKey(dayNumber(key) + 6) };
}

/** A bucket's key in a link (`month=`): one of the timeline's, else null. */
export function isBucketKey(key: string): boolean {
	return /^\d{4}-\d{2}(-\d{2})?$/.test(key);
}

/** The index of the bucket `key` names; the last for none or one the timeline does not have. */
export function bucketIndex(timeline: Timeline, key: string | null): number {
	const i = key ? timeline.buckets.findIndex((b) => b.month === key) : -1;
	return i >= 0 ? i : timeline.buckets.length - 1;
}

/** A bucket's name for people: `2024-03`, `2026-11-24`, `week of 2026-11-23`. */
export function bucketName(unit: Unit, key: string): string {
	return unit === 'week' ? `week of ${key}` : key;
}
