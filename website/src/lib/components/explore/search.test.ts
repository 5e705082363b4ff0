import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { fixtureModel } from '../../../test-helpers';
import { searchUrl, type SearchResponse } from '$lib/api';
import SymbolSearch from './SymbolSearch.svelte';
import type { SymbolNode } from '$lib/docpack/types';

const model = fixtureModel();
const byName = (q: string) => model.docpack.symbols.find((s) => s.qualified_name === q)! as SymbolNode;

function canned(): SearchResponse {
	const replay = byName('kv::wal::Wal::replay');
	const open = byName('kv::Store::open');
	return {
		query: 'rebuild state after a crash',
		mode: 'hybrid',
		used: ['lexical', 'semantic'],
		hits: [
			{
				id: replay.id,
				name: replay.qualified_name,
				kind: 'method',
				path: 'src/wal.rs',
				line: 27,
				score: 0.92,
				signature: replay.signature,
				summary: 'Reads the log back.',
				related: [{ relation: 'called_by', id: open.id, name: 'kv::Store::open', kind: 'method', path: 'src/lib.rs', line: 13 }]
			},
			{ id: open.id, name: open.qualified_name, kind: 'method', path: 'src/lib.rs', line: 13, score: 0.5, signature: open.signature }
		],
		notes: ['semantic ranking from the docpack embeddings']
	};
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const options = () => within(screen.getByRole('listbox')).getAllByRole('option');
const type = async (text: string) => {
	const input = screen.getByLabelText('Search symbols');
	await fireEvent.input(input, { target: { value: text } });
	return input;
};

afterEach(() => vi.unstubAllGlobals());

describe('SymbolSearch', () => {
	it('searches on the server alone when the server reads the docpack for the tab', async () => {
		const fetch = vi.fn(async (_url: string) => json(canned()));
		vi.stubGlobal('fetch', fetch);
		const onPick = vi.fn();
		render(SymbolSearch, { model: null, jobId: 'job-k', onMatches: vi.fn(), onPick, debounceMs: 10 });
		expect(screen.getByLabelText('Search symbols')).toHaveAttribute('placeholder', 'Search symbols and what they do…');
		const input = await type('rebuild state after a crash');
		await waitFor(() => expect(screen.getByRole('listbox')).toHaveAttribute('data-source', 'server'));
		expect(options()).toHaveLength(2);
		await fireEvent.keyDown(input, { key: 'Enter' });
		expect(onPick).toHaveBeenCalledWith(byName('kv::wal::Wal::replay').id);
		// When the server fails there is nothing in the tab to fall back on, and it says where it searched.
		vi.stubGlobal('fetch', vi.fn(async () => json({ error: 'the search index is being built' }, 409)));
		await type('something else');
		await waitFor(() => expect(screen.getByTestId('search-scope')).toHaveTextContent('on the server'));
		expect(screen.queryByRole('listbox')).toBeNull();
	});

	it('asks the server for a job and shows its hits with path:line, summary, relations and notes', async () => {
		const fetch = vi.fn(async (_url: string) => json(canned()));
		vi.stubGlobal('fetch', fetch);
		const onPick = vi.fn();
		const onMatches = vi.fn();
		render(SymbolSearch, { model, jobId: 'job 1', onMatches, onPick, debounceMs: 10 });
		const input = await type('rebuild state after a crash');
		await waitFor(() => expect(screen.getByRole('listbox')).toHaveAttribute('data-source', 'server'));
		expect(fetch).toHaveBeenCalledTimes(1);
		expect(fetch.mock.calls[0][0]).toBe('/api/jobs/job%201/search?q=rebuild+state+after+a+crash&limit=20');
		expect(options().map((o) => o.textContent!.replace(/\s+/g, ' ').trim())).toEqual([
			'kv::wal::Wal::replay method src/wal.rs:27 Reads the log back. called by: open',
			'kv::Store::open method src/lib.rs:13'
		]);
		expect(screen.getByTestId('search-notes')).toHaveTextContent('semantic ranking from the docpack embeddings');
		expect(screen.getByTestId('search-status')).toHaveTextContent('2 results · hybrid');
		expect(onMatches).toHaveBeenLastCalledWith(new Set([byName('kv::wal::Wal::replay').id, byName('kv::Store::open').id]));

		await fireEvent.keyDown(input, { key: 'ArrowDown' });
		await fireEvent.keyDown(input, { key: 'Enter' });
		expect(onPick).toHaveBeenCalledWith(byName('kv::Store::open').id);
	});

	it('sends the chosen mode', async () => {
		const fetch = vi.fn(async (_url: string) => json({ ...canned(), mode: 'lexical' }));
		vi.stubGlobal('fetch', fetch);
		render(SymbolSearch, { model, jobId: 'j', onMatches: vi.fn(), onPick: vi.fn(), debounceMs: 10 });
		await fireEvent.change(screen.getByLabelText('Search mode'), { target: { value: 'lexical' } });
		await type('wal');
		await waitFor(() => expect(fetch).toHaveBeenCalled());
		expect(fetch.mock.calls[0][0]).toBe(searchUrl('j', 'wal', { mode: 'lexical' }));
		expect(fetch.mock.calls[0][0]).toContain('&mode=lexical');
	});

	it('debounces typing and cancels a request a newer query replaces', async () => {
		const signals: AbortSignal[] = [];
		const fetch = vi.fn(
			(_url: string, init: RequestInit) =>
				new Promise<Response>((resolve, reject) => {
					signals.push(init.signal!);
					init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
					if (signals.length > 1) resolve(json({ ...canned(), query: 'append' }));
				})
		);
		vi.stubGlobal('fetch', fetch);
		render(SymbolSearch, { model, jobId: 'j', onMatches: vi.fn(), onPick: vi.fn(), debounceMs: 30 });
		await type('a');
		await type('ap');
		await type('app');
		await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
		expect(fetch.mock.calls[0][0]).toContain('q=app&');
		await type('append');
		await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
		expect(signals[0].aborted).toBe(true);
		await waitFor(() => expect(screen.getByRole('listbox')).toHaveAttribute('data-source', 'server'));
	});

	it('falls back to the in-browser search when the server fails, and stops asking after a 404', async () => {
		const fetch = vi.fn(async () => json({ error: 'boom' }, 500));
		vi.stubGlobal('fetch', fetch);
		render(SymbolSearch, { model, jobId: 'j', onMatches: vi.fn(), onPick: vi.fn(), debounceMs: 10 });
		await type('append');
		await waitFor(() => expect(screen.getByTestId('search-status')).toHaveTextContent('in this browser'));
		expect(screen.getByRole('listbox')).toHaveAttribute('data-source', 'docpack');
		expect(options()[0]).toHaveTextContent(/append\s*method\s*src\/wal\.rs:17/);

		fetch.mockImplementation(async () => json({ error: 'no route' }, 404));
		await type('replay');
		await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
		await waitFor(() => expect(screen.queryByLabelText('Search mode')).toBeNull());
		expect(options()[0]).toHaveTextContent('replay');
		await type('checksum');
		await new Promise((r) => setTimeout(r, 50));
		expect(fetch).toHaveBeenCalledTimes(2);
		expect(options()[0]).toHaveTextContent('checksum');
	});

	it('keeps the name matches when the server finds nothing', async () => {
		vi.stubGlobal('fetch', vi.fn(async () => json({ ...canned(), hits: [] })));
		render(SymbolSearch, { model, jobId: 'j', onMatches: vi.fn(), onPick: vi.fn(), debounceMs: 10 });
		await type('chec');
		await waitFor(() => expect(screen.getByTestId('search-status')).toHaveTextContent('1 match · by names and words, in this browser'));
		expect(screen.getByRole('listbox')).toHaveAttribute('data-source', 'docpack');
		expect(options()[0]).toHaveTextContent('checksum');
	});

	it('searches in the browser for a local docpack', async () => {
		const fetch = vi.fn();
		vi.stubGlobal('fetch', fetch);
		render(SymbolSearch, { model, onMatches: vi.fn(), onPick: vi.fn(), debounceMs: 0 });
		await type('retry');
		expect(options()[0]).toHaveTextContent('with_retry');
		expect(screen.queryByLabelText('Search mode')).toBeNull();
		await new Promise((r) => setTimeout(r, 20));
		expect(fetch).not.toHaveBeenCalled();
	});
});
