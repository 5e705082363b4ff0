// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocpack } from '$lib/docpack/read';
import type { History } from '$lib/docpack/history';
import { byShownCount, languageSeries, monthIndex, stateUpTo } from './scrub';
import { heatColour, heatShare, hotspotCells, moduleOf, squarify, type Rect } from './treemap';
import { authorNames, couplingRows, moduleStory, splitEntity, symbolStory } from './join';
import { bandPath, barsPath, monthAt } from './chart';

// tests/fixtures/history.docpack: fourteen commits made by make-history-docpack.sh, known answers.
const docpack = await readDocpack(new Uint8Array(readFileSync(new URL('../../../tests/fixtures/history.docpack', import.meta.url))));
const history = docpack.history!.history as History;
const idOf = (name: string) => docpack.symbols.find((s) => s.name === name)!.id;

describe('scrubbing the timeline', () => {
	it('picks a month, the last one by default', () => {
		expect(monthIndex(history, '2024-03')).toBe(2);
		expect(monthIndex(history, null)).toBe(5);
		expect(monthIndex(history, '1999-01')).toBe(5);
	});

	it('sums the months up to the one picked', () => {
		const march = stateUpTo(history, 2);
		expect(march.month).toBe('2024-03');
		expect(march.commits).toBe(8);
		expect([march.added, march.removed]).toEqual([58, 12]);
		expect(march.languages).toEqual([
			{ name: 'python', lines: 43 },
			{ name: 'md', lines: 3 }
		]);
		expect(march.symbolsAdded).toBe(6);
		// Linus's first commit is in June.
		expect(march.authors.map((a) => a.key)).toEqual(['ada@example.com', 'grace@example.com']);
		expect(march.active.map((a) => a.key)).toEqual(['ada@example.com', 'grace@example.com']);
		const january = stateUpTo(history, 0);
		expect(january.commits).toBe(2);
		expect(january.active.map((a) => a.key)).toEqual(['ada@example.com', 'grace@example.com']);
	});

	it('ends where the history ends: lines per language at head, every commit', () => {
		const last = stateUpTo(history, history.timeline.length - 1);
		expect(last.commits).toBe(history.summary.commits);
		const python = history.files.filter((f) => f.language === 'python').reduce((n, f) => n + (f.lines ?? 0), 0);
		expect(last.languages.find((l) => l.name === 'python')?.lines).toBe(python);
		expect(last.active.map((a) => a.key)).toEqual(['ada@example.com', 'linus@example.com']);
	});

	it('lists only hotspots of files that existed by then', () => {
		// Every file exists from January; a history whose files start later hides them.
		expect(stateUpTo(history, 0).hotspots[0].name).toBe('billing/invoice.py');
		const later = { ...history, files: history.files.map((f) => (f.path === 'billing/invoice.py' ? { ...f, first_change: '2024-05-03T10:00:00Z' } : f)) };
		expect(stateUpTo(later, 2).hotspots.map((h) => h.name)).not.toContain('billing/invoice.py');
		expect(stateUpTo(later, 4).hotspots[0].name).toBe('billing/invoice.py');
		// Modules: billing is there by March through report.py; shipping not until its files are.
		expect(stateUpTo(later, 2).moduleHotspots.map((h) => h.name)).toEqual(['billing', 'shipping', 'core']);
		const noShipping = { ...history, files: history.files.map((f) => (f.path.startsWith('shipping/') ? { ...f, first_change: '2024-06-01T00:00:00Z' } : f)) };
		expect(stateUpTo(noShipping, 4).moduleHotspots.map((h) => h.name)).toEqual(['billing', 'core']);
		expect(stateUpTo(noShipping, 5).moduleHotspots.map((h) => h.name)).toEqual(['billing', 'shipping', 'core']);
	});

	it('stacks languages cumulatively, the small ones as other', () => {
		const { languages, cumulative } = languageSeries(history);
		expect(languages).toEqual(['python', 'md']);
		expect(cumulative.map((c) => c[0])).toEqual([43, 43, 43, 43, 43, 48]);
		const many: History = {
			...history,
			timeline: [{ ...history.timeline[0], languages: Object.fromEntries('abcdefghij'.split('').map((l, i) => [l, { added: 10 - i, removed: 0 }])) }]
		};
		const series = languageSeries(many);
		expect(series.languages).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'other']);
		expect(series.cumulative[0][6]).toBe(4 + 3 + 2 + 1);
	});
});

describe('the treemap', () => {
	const area = (r: Rect) => r.w * r.h;
	const overlap = (a: Rect, b: Rect) => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

	it('tiles the rectangle: areas proportional, summing to it, no overlap, inside', () => {
		const values = [500, 433, 120, 100, 64, 30, 30, 9, 4, 1];
		const rect = { x: 10, y: 20, w: 640, h: 360 };
		const cells = squarify(values, rect);
		expect(cells).toHaveLength(values.length);
		const total = values.reduce((a, b) => a + b, 0);
		cells.forEach((c, i) => expect(area(c)).toBeCloseTo((values[i] / total) * area(rect), 6));
		expect(cells.reduce((n, c) => n + area(c), 0)).toBeCloseTo(area(rect), 6);
		for (const c of cells) {
			expect(c.x).toBeGreaterThanOrEqual(rect.x - 1e-9);
			expect(c.y).toBeGreaterThanOrEqual(rect.y - 1e-9);
			expect(c.x + c.w).toBeLessThanOrEqual(rect.x + rect.w + 1e-9);
			expect(c.y + c.h).toBeLessThanOrEqual(rect.y + rect.h + 1e-9);
		}
		for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) expect(overlap(cells[i], cells[j])).toBeLessThan(1e-6);
	});

	it('keeps squares square and aspect ratios low', () => {
		const four = squarify([1, 1, 1, 1], { x: 0, y: 0, w: 100, h: 100 });
		for (const c of four) expect([c.w, c.h]).toEqual([50, 50]);
		const cells = squarify([6, 6, 4, 3, 2, 2, 1], { x: 0, y: 0, w: 600, h: 400 });
		// The paper's example: the worst ratio is under 3 (a slice-and-dice layout reaches 16).
		for (const c of cells) expect(Math.max(c.w / c.h, c.h / c.w)).toBeLessThan(3);
	});

	it('is empty-safe', () => {
		expect(squarify([], { x: 0, y: 0, w: 10, h: 10 })).toEqual([]);
		expect(squarify([0], { x: 0, y: 0, w: 10, h: 10 })).toEqual([{ x: 0, y: 0, w: 0, h: 0 }]);
	});

	it('makes modules of the living files: area lines, heat commits × centrality', () => {
		expect(moduleOf('billing/invoice.py', 2)).toBe('billing');
		expect(moduleOf('a/b/c/d.py', 2)).toBe('a/b');
		expect(moduleOf('README.md', 2)).toBe('');
		const cells = hotspotCells(history);
		expect(cells.map((m) => [m.path, m.lines])).toEqual([
			['billing', 22],
			['shipping', 15],
			['core', 11],
			['', 5]
		]);
		const billing = cells[0];
		expect(billing.files.map((f) => f.path)).toEqual(['billing/invoice.py', 'billing/report.py']);
		expect(billing.files[0].heat).toBe(12); // 12 commits × centrality 1
		expect(billing.heat).toBeCloseTo(12 * 0.8162, 6);
		// README.md is no source file: not in the hotspots, so no heat.
		expect(cells[3].files[0].heat).toBe(0);
		// Without the graph (basis: lines), the docpack's centrality stands in.
		const lines = { ...history, hotspots: { ...history.hotspots, basis: 'lines' } };
		const withDocpack = hotspotCells(lines, (p) => (p === 'shipping/rates.py' ? 0.5 : undefined));
		expect(withDocpack[1].files.find((f) => f.path === 'shipping/rates.py')?.heat).toBe(3.5);
		expect(withDocpack[1].files.find((f) => f.path === 'shipping/labels.py')?.heat).toBe(1);
	});

	it('colours by the square root of heat, capped for contrast', () => {
		expect(heatShare(0, 10)).toBe(0);
		expect(heatShare(10, 10)).toBe(45);
		expect(heatShare(2.5, 10)).toBe(23);
		expect(heatShare(5, 0)).toBe(0);
		expect(heatShare(20, 10)).toBe(45);
		expect(heatColour(10, 10)).toBe('color-mix(in srgb, var(--bad) 45%, var(--panel))');
	});
});

describe('coupling and per-symbol history', () => {
	it('joins each side to its file or symbol, hidden coupling marked', () => {
		const rows = couplingRows(history);
		expect(rows.map((r) => `${r.level} ${r.a.path}${r.a.name ? `#${r.a.name}` : ''} ~ ${r.b.path}${r.b.name ? `#${r.b.name}` : ''} ${r.hidden ? 'hidden' : 'linked'}`)).toEqual([
			'file billing/invoice.py ~ billing/report.py linked',
			'file billing/invoice.py ~ shipping/rates.py hidden',
			'symbol billing/invoice.py#total ~ billing/report.py#summary linked',
			'symbol billing/invoice.py#tax ~ shipping/rates.py#rate hidden'
		]);
		expect(rows[3].a.symbolId).toBe(idOf('tax'));
		expect(rows[3].b.symbolId).toBe(idOf('rate'));
		expect(rows[0].a.symbolId).toBeNull();
		expect(rows.every((r) => r.judged)).toBe(true);
		expect(splitEntity('a/b.py#f#2')).toEqual({ path: 'a/b.py', name: 'f#2' });
	});

	it('gives a symbol its history and what it changes with', () => {
		const tax = symbolStory(history, idOf('tax'))!;
		expect(tax.history.commits).toBe(7);
		expect(tax.history.authors).toBe(2);
		expect(tax.history.age_days).toBe(167);
		expect(tax.changesWith.map((c) => [c.other.name, c.other.symbolId, c.row.hidden])).toEqual([['rate', idOf('rate'), true]]);
		expect(symbolStory(history, idOf('label'))!.changesWith).toEqual([]);
		expect(symbolStory(history, 'sym_unknown')).toBeNull();
		// No symbol pass: nothing to show.
		expect(symbolStory({ ...history, summary: { ...history.summary, symbols: false } }, idOf('tax'))).toBeNull();
	});

	it('gives a module its owners, commits and hotspot, or its nearest counted ancestor’s', () => {
		const billing = moduleStory(history, 'billing')!;
		expect([billing.path, billing.exact, billing.ownership.main_author, billing.ownership.truck_factor, billing.commits, billing.hotspot?.score]).toEqual([
			'billing',
			true,
			'ada@example.com',
			1,
			12,
			48.973
		]);
		const deeper = moduleStory(history, 'shipping/zones/eu')!;
		expect([deeper.path, deeper.exact, deeper.ownership.main_author]).toEqual(['shipping', false, 'grace@example.com']);
		const root = moduleStory(history, '.')!;
		expect([root.path, root.exact, root.commits, root.ownership.files]).toEqual(['', true, null, 6]);
		expect(moduleStory(history, 'docs')!.path).toBe('');
		expect(moduleStory({ ...history, ownership: { ...history.ownership, modules: [] } }, 'billing')).toBeNull();
	});

	it('names authors by key', () => {
		const name = authorNames(history);
		expect(name('grace@example.com')).toBe('Grace Hopper');
		expect(name('who@example.com')).toBe('who@example.com');
	});
});

describe('the timeline charts', () => {
	it('draws one bar per month with a value, scaled to the maximum', () => {
		expect(barsPath([2, 0, 4], 300, 100, 50, 4)).toBe('M14 100h72v-25h-72ZM214 100h72v-50h-72Z');
		expect(barsPath([1], 100, 10, 20, 2, true, [2])).toBe('M14 30h72v10h-72Z');
		expect(barsPath([1, 2], 100, 10, 20, 0)).toBe('');
	});

	it('bands a stacked area between its lower and upper edges', () => {
		expect(bandPath([0, 0], [10, 20], 200, 100, 50, 20)).toBe('M50 75L150 50L150 100L50 100Z');
		expect(bandPath([0], [10], 200, 100, 50, 20)).toBe('M0 75H200V100H0Z');
	});

	it('finds the month under the pointer', () => {
		expect(monthAt(0, 600, 6)).toBe(0);
		expect(monthAt(299, 600, 6)).toBe(2);
		expect(monthAt(900, 600, 6)).toBe(5);
		expect(monthAt(-5, 600, 6)).toBe(0);
	});
});

describe('hotspots by the count shown', () => {
	it('lists most commits first, keeping the score’s order among equals', () => {
		const spots = [
			{ name: 'a', commits: 14 },
			{ name: 'b', commits: 25 },
			{ name: 'c', commits: 14 },
			{ name: 'd', commits: 33 }
		];
		expect(byShownCount(spots).map((h) => h.name)).toEqual(['d', 'b', 'a', 'c']);
	});
});
