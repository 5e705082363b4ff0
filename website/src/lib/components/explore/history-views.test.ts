import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { DocpackModel } from '$lib/docpack/model';
import { verifyDocpack } from '../../../../tests/fixtures/docpack-node.mjs';
import type { Docpack } from '$lib/docpack/types';
import type { History } from '$lib/docpack/history';
import SymbolHistory from './SymbolHistory.svelte';
import HistoryView from './HistoryView.svelte';
import ModuleHistory from './ModuleHistory.svelte';

// jsdom lays nothing out: the map and the chart measure their width with a ResizeObserver it lacks (they draw at 0 px here; the browser test sees them drawn).
globalThis.ResizeObserver ??= class {
	observe() {}
	unobserve() {}
	disconnect() {}
} as unknown as typeof ResizeObserver;

// tests/fixtures/history.docpack: fourteen commits with known answers (make-history-docpack.sh).
// Read by the Node helper (jsdom has no gzip streams); the symbols and the history are what the views read.
const read = verifyDocpack(readFileSync(resolve('tests/fixtures/history.docpack'))) as { manifest: Docpack['manifest']; symbols: Docpack['symbols']; history: History };
const history = read.history;
const docpack: Docpack = {
	manifest: read.manifest,
	symbols: read.symbols,
	graph: { nodes: [], edges: [], metrics: {} },
	clusters: [],
	files: [],
	docs: {},
	embeddings: null,
	symbolContexts: null,
	history: { history },
	verification: { docpackId: read.manifest.docpack_id, entries: [], ignored: [], compressedSize: 0, uncompressedSize: 0 }
};
const model = new DocpackModel(docpack);
const idOf = (name: string) => docpack.symbols.find((s) => s.name === name)!.id;
const withHistory = (part: Docpack['history']) => new DocpackModel({ ...docpack, history: part });
const props = { month: null, onMonth: vi.fn(), onModule: vi.fn(), onOpenFile: vi.fn(), onSelectSymbol: vi.fn() };

describe('a symbol’s history in its panel', () => {
	it('shows commits, authors, churn, dates, age and what it changes with', async () => {
		const onSelect = vi.fn();
		render(SymbolHistory, { model, symbolId: idOf('tax'), onSelect });
		const panel = screen.getByTestId('symbol-history');
		expect(within(panel).getAllByRole('definition').map((d) => d.textContent)).toEqual(['7', '2', '+10 −6', '2024-01-05', '2024-03-15', '167 days']);
		expect(screen.getByTestId('changes-with').textContent!.replace(/\s+/g, ' ').trim()).toBe(
			'Changes with rate (shipping/rates.py, 6 commits together, no static link: hidden coupling)'
		);
		await fireEvent.click(within(panel).getByRole('button', { name: 'rate' }));
		expect(onSelect).toHaveBeenCalledWith(idOf('rate'));
	});

	it('shows nothing without the symbol pass, or without a history', () => {
		const noPass = withHistory({ history: { ...history, summary: { ...history.summary, symbols: false } } });
		render(SymbolHistory, { model: noPass, symbolId: idOf('tax'), onSelect: vi.fn() });
		render(SymbolHistory, { model: withHistory({ history: null, reason: 'no git' }), symbolId: idOf('tax'), onSelect: vi.fn() });
		expect(screen.queryByTestId('symbol-history')).toBeNull();
	});
});

describe('the History tab', () => {
	it('shows the extent, owners and the hidden pairs; a module and a file open', async () => {
		render(HistoryView, { model, ...props });
		expect(screen.getByTestId('history-extent')).toHaveTextContent('14 commits (0 merges) by 3 authors from 2024-01-05 to 2024-06-20, 6 files changed, per symbol.');
		expect(screen.getByTestId('scrub-month')).toHaveTextContent('2024-06');
		const owners = screen.getAllByTestId('owner').map((td) => td.textContent);
		expect(owners).toEqual(['Ada Lovelace', 'Ada Lovelace', 'Ada Lovelace', 'Grace Hopper']);
		const hidden = screen.getAllByTestId('coupling-pair').filter((r) => r.dataset.hidden === 'true');
		expect(hidden.map((r) => r.dataset.level)).toEqual(['file', 'symbol']);
		await fireEvent.click(screen.getByRole('checkbox', { name: /Hidden coupling only/ }));
		expect(screen.getAllByTestId('coupling-pair')).toHaveLength(2);
		await fireEvent.click(within(screen.getByTestId('ownership')).getByRole('button', { name: 'shipping' }));
		expect(props.onModule).toHaveBeenCalledWith('shipping');
		await fireEvent.click(within(screen.getAllByTestId('coupling-pair')[0]).getByRole('button', { name: 'shipping/rates.py' }));
		expect(props.onOpenFile).toHaveBeenCalledWith('shipping/rates.py');
	});

	it('scrubs to the month it is given', () => {
		render(HistoryView, { model, ...props, month: '2024-02' });
		expect(screen.getByTestId('scrub-month')).toHaveTextContent('2024-02');
		expect(screen.getByTestId('scrub-commits')).toHaveTextContent('5 commits, +52 −6 lines');
		// The whole history was read: its sizes need no caveat.
		expect(screen.queryByTestId('partial-sizes')).toBeNull();
	});

	it('says that sizes start at the first commit read when the walk was cut', () => {
		const cut = withHistory({ history: { ...history, summary: { ...history.summary, truncated: true, max_commits: 14 } } });
		render(HistoryView, { model: cut, ...props });
		expect(screen.getByTestId('history-extent')).toHaveTextContent('Only the newest 14 commits were read.');
		expect(screen.getByTestId('partial-sizes')).toHaveTextContent('since 2024-01-05: what was there before is not counted');
	});

	it('shows 25 rows of a long table until asked for more', async () => {
		const pair = history.coupling.files[1];
		const pairs = Array.from({ length: 240 }, (_, i) => ({ ...pair, a: `m${i}/a.py`, b: `m${i}/b.py` }));
		const modules = Array.from({ length: 30 }, (_, i) => ({ ...history.ownership.modules[1], path: `m${i}` }));
		const long = withHistory({ history: { ...history, coupling: { ...history.coupling, files: pairs, symbols: [] }, ownership: { ...history.ownership, modules } } });
		render(HistoryView, { model: long, ...props });
		expect(screen.getAllByTestId('coupling-pair')).toHaveLength(25);
		expect(screen.getAllByTestId('owner')).toHaveLength(25);
		await fireEvent.click(screen.getByRole('button', { name: 'Show 200 of 240 pairs' }));
		expect(screen.getAllByTestId('coupling-pair')).toHaveLength(200);
		expect(screen.getByText('… and 40 more pairs')).toBeInTheDocument();
		await fireEvent.click(screen.getByRole('button', { name: 'Show all 30 modules' }));
		expect(screen.getAllByTestId('owner')).toHaveLength(30);
	});

	it('says in a line why there is no history', () => {
		render(HistoryView, { model: withHistory({ history: null, reason: 'the source is an archive: it has no git history' }), ...props });
		expect(screen.getByTestId('no-history')).toHaveTextContent('No history: the source is an archive: it has no git history');
		expect(screen.queryByTestId('timeline')).toBeNull();
	});
});

describe('a module’s history in its panel', () => {
	it('shows its commits, main author, authors and truck factor', () => {
		render(ModuleHistory, { history, path: 'shipping' });
		const panel = screen.getByTestId('module-history');
		expect(within(panel).getByRole('heading')).toHaveTextContent(/^History$/);
		expect(within(panel).getAllByRole('definition').map((d) => d.textContent!.replace(/\s+/g, ' ').trim())).toEqual(['7', 'Grace Hopper 90%', '2', '1', '10.8']);
	});

	it('says when the figures are an ancestor’s', () => {
		render(ModuleHistory, { history, path: 'shipping/zones' });
		expect(within(screen.getByTestId('module-history')).getByRole('heading')).toHaveTextContent('History of shipping');
	});
});
