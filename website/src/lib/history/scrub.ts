/**
 * The timeline scrubbed to a month: what the repository was up to then,
 * from the history's monthly timeline (lines per language, commits,
 * symbols) and each author's and file's first and last change. Months are
 * `YYYY-MM` (UTC); a date's month is its first seven characters (RFC 3339,
 * UTC), so months compare as strings.
 */

import type { AuthorStats, History, Hotspot } from '$lib/docpack/history';
import { bucketDays, type Timeline } from './buckets';

/** Languages drawn on their own in the language chart; the rest are summed as `other`. */
export const TOP_LANGUAGES = 6;
export const OTHER = 'other';

export interface ScrubState {
	month: string;
	index: number;
	/** Up to and including the month. */
	commits: number;
	added: number;
	removed: number;
	symbolsAdded: number;
	symbolsRemoved: number;
	/** Net lines (added − removed) per language up to the month, most first; languages with none left out. */
	languages: { name: string; lines: number }[];
	/** Authors whose first commit is in or before the month, most commits first. */
	authors: AuthorStats[];
	/** Of those, the ones whose first and last commits span the month. */
	active: AuthorStats[];
	/** File hotspots among files first changed in or before the month (scores over the whole history). */
	hotspots: Hotspot[];
	/** Module hotspots among modules with such a file. */
	moduleHotspots: Hotspot[];
}

/** The timeline's index of a month; the last month for none or one the timeline does not have. */
export function monthIndex(history: History, month: string | null): number {
	const i = month ? history.timeline.findIndex((m) => m.month === month) : -1;
	return i >= 0 ? i : history.timeline.length - 1;
}

/**
 * The repository up to the bucket at `index` of the timeline (see
 * {@link ScrubState}): the monthly one, or `timeline` (per day or week).
 */
export function stateUpTo(history: History, index: number, hotspotCount = 8, timeline: Timeline = { unit: 'month', buckets: history.timeline }): ScrubState {
	const months = timeline.buckets.slice(0, index + 1);
	const month = months[months.length - 1]?.month ?? '';
	const { first, last } = bucketDays(timeline.unit, month);
	const day = (date: string) => date.slice(0, 10);
	const sum = (f: (m: (typeof months)[number]) => number) => months.reduce((n, m) => n + f(m), 0);
	const net = new Map<string, number>();
	for (const m of months) for (const [name, l] of Object.entries(m.languages)) net.set(name, (net.get(name) ?? 0) + l.added - l.removed);
	const authors = history.authors.filter((a) => day(a.first_commit) <= last);
	const present = new Set(history.files.filter((f) => day(f.first_change) <= last).map((f) => f.path));
	return {
		month,
		index,
		commits: sum((m) => m.commits),
		added: sum((m) => m.added),
		removed: sum((m) => m.removed),
		symbolsAdded: sum((m) => m.symbols_added),
		symbolsRemoved: sum((m) => m.symbols_removed),
		languages: [...net]
			.filter(([, lines]) => lines > 0)
			.map(([name, lines]) => ({ name, lines }))
			.sort((a, b) => b.lines - a.lines || a.name.localeCompare(b.name)),
		authors,
		active: authors.filter((a) => day(a.last_commit) >= first),
		hotspots: history.hotspots.files.filter((h) => present.has(h.name)).slice(0, hotspotCount),
		moduleHotspots: history.hotspots.modules.filter((h) => [...present].some((p) => p.startsWith(`${h.name}/`))).slice(0, hotspotCount)
	};
}

/** Hotspots in the order of the count shown beside them: most commits first (the score's order among equals). */
export function byShownCount<T extends { commits: number }>(hotspots: readonly T[]): T[] {
	return hotspots
		.map((h, i) => ({ h, i }))
		.sort((a, b) => b.h.commits - a.h.commits || a.i - b.i)
		.map(({ h }) => h);
}

/**
 * The language chart's series: the languages drawn (most lines added over
 * the whole history first, the rest as {@link OTHER}) and, per month, each
 * one's net lines up to then (never below 0: a history that starts late
 * removes lines it never saw added).
 */
export function languageSeries(history: History, buckets = history.timeline): { languages: string[]; cumulative: number[][] } {
	const total = new Map<string, number>();
	for (const m of buckets) for (const [name, l] of Object.entries(m.languages)) total.set(name, (total.get(name) ?? 0) + l.added);
	const ranked = [...total].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
	const shown = ranked.length > TOP_LANGUAGES + 1 ? [...ranked.slice(0, TOP_LANGUAGES), OTHER] : ranked;
	const slot = (name: string) => (shown.includes(name) ? shown.indexOf(name) : shown.length - 1);
	const running = shown.map(() => 0);
	const cumulative = buckets.map((m) => {
		for (const [name, l] of Object.entries(m.languages)) running[slot(name)] += l.added - l.removed;
		return running.map((n) => Math.max(0, n));
	});
	return { languages: shown, cumulative };
}
