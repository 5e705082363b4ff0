import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import type { DocpackModel } from '$lib/docpack/model';
import type { SymbolNode } from '$lib/docpack/types';
import { verifyDocpack } from '../../../../tests/fixtures/docpack-node.mjs';
import type { AskAnswer, ImpactAnswer } from '$lib/ask';
import AskPanel from './AskPanel.svelte';
import ServerImpact from './ServerImpact.svelte';

// jsdom's import.meta.url is not a file: the fixtures from the package root (where vitest runs).
const fixture = (name: string) => readFileSync(resolve('tests/fixtures', name));
/** The engine's answer about layered.docpack, recorded by the CLI. */
const recorded = JSON.parse(fixture('layered-query.json').toString('utf8')).ask['how is a row saved'] as AskAnswer;
/** What the box reads of the model: the symbols by id and by file (jsdom has no streams for the reader). */
const symbols = (verifyDocpack(fixture('layered.docpack')) as { symbols: SymbolNode[] }).symbols;
const byFile = new Map<string, SymbolNode[]>();
for (const s of symbols) byFile.set(s.path, [...(byFile.get(s.path) ?? []), s]);
const layered = { byId: new Map(symbols.map((s) => [s.id, s])), byFile } as unknown as DocpackModel;

const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the ask box', () => {
	afterEach(() => vi.unstubAllGlobals());

	it('asks the question of the URL and links each citation to its symbol', async () => {
		const fetch = vi.fn(async () => reply(200, recorded));
		vi.stubGlobal('fetch', fetch);
		const onSelect = vi.fn();
		render(AskPanel, { jobId: 'job-1', model: layered, onSelect, asked: 'how is a row saved', onAsk: vi.fn() });
		const answer = await screen.findByTestId('ask-answer');
		expect(fetch).toHaveBeenCalledTimes(1);
		expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe('/api/jobs/job-1/ask?q=how+is+a+row+saved');
		expect(screen.getByLabelText('Question')).toHaveValue('how is a row saved');
		expect(screen.getByTestId('ask-model')).toHaveTextContent('The evidence, ranked (no model is configured)');
		// The ranked evidence is an ordered list, one item per symbol.
		expect(within(answer).getAllByRole('listitem')).toHaveLength(recorded.evidence.items.length);
		const links = within(answer).getAllByTestId('citation');
		for (const c of recorded.cited) expect(links.some((b) => b.textContent === c.cite && b.dataset.symbol === c.id)).toBe(true);
		// Callers and callees the server did not resolve are found in the docpack: every citation is a link.
		expect(within(answer).queryAllByTestId('citation-unlinked')).toHaveLength(0);
		expect(links.length).toBeGreaterThan(recorded.cited.length);
		await fireEvent.click(links[0]);
		expect(onSelect).toHaveBeenCalledWith(recorded.cited[0].id);
	});

	it('shows the model’s words as they stream, then the checked answer', async () => {
		let finish: () => void = () => {};
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				const send = (text: string) => controller.enqueue(new TextEncoder().encode(text));
				send('event: text\ndata: "Rows are saved by "\n\nevent: text\ndata: "save (storage/db.py:9)."\n\n');
				finish = () => {
					send(`event: answer\ndata: ${JSON.stringify({ ...recorded, model: 'm1', answer: 'Rows are saved by save (storage/db.py:9).' })}\n\n`);
					controller.close();
				};
			}
		});
		vi.stubGlobal('fetch', vi.fn(async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } })));
		render(AskPanel, { jobId: 'job-1', model: layered, onSelect: vi.fn(), asked: 'how is a row saved', onAsk: vi.fn() });
		await waitFor(() => expect(screen.getByTestId('ask-streamed')).toHaveTextContent('Rows are saved by save (storage/db.py:9).'));
		expect(screen.queryByTestId('ask-answer')).toBeNull();
		finish();
		const answer = await screen.findByTestId('ask-answer');
		expect(screen.queryByTestId('ask-streamed')).toBeNull();
		expect(screen.getByTestId('ask-model')).toHaveTextContent('Answered by m1');
		expect(within(answer).getByTestId('citation').dataset.symbol).toBe(recorded.cited[0].id);
	});

	it('sends a new question through the URL, and refuses an empty one', async () => {
		vi.stubGlobal('fetch', vi.fn());
		const onAsk = vi.fn();
		render(AskPanel, { jobId: 'job-1', model: null, onSelect: vi.fn(), asked: '', onAsk });
		const box = screen.getByLabelText('Question');
		await fireEvent.submit(box.closest('form')!);
		expect(screen.getByRole('alert')).toHaveTextContent('Type a question first.');
		await fireEvent.input(box, { target: { value: '  where is state kept?  ' } });
		await fireEvent.submit(box.closest('form')!);
		expect(onAsk).toHaveBeenCalledWith('where is state kept?');
	});

	it('shows the server’s one-line error, and hides itself where the server has no ask', async () => {
		vi.stubGlobal('fetch', vi.fn(async () => reply(409, { error: 'job job-1 has not finished (status running); ask again when its docpack is ready' })));
		const first = render(AskPanel, { jobId: 'job-1', model: null, onSelect: vi.fn(), asked: 'why?', onAsk: vi.fn() });
		await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('has not finished (status running)'));
		expect(screen.getByLabelText('Question')).toBeInTheDocument();
		first.unmount();
		vi.stubGlobal('fetch', vi.fn(async () => reply(404, { error: 'ask is not served by this host' })));
		render(AskPanel, { jobId: 'job-1', model: null, onSelect: vi.fn(), asked: 'why?', onAsk: vi.fn() });
		await waitFor(() => expect(screen.getByTestId('ask-unavailable')).toHaveTextContent('ask is not served by this host'));
		expect(screen.queryByLabelText('Question')).toBeNull();
	});
});

describe('impact from the server, while the symbols are read', () => {
	afterEach(() => vi.unstubAllGlobals());
	const impacts = JSON.parse(fixture('layered-query.json').toString('utf8')).impact as Record<string, ImpactAnswer>;

	it('shows the engine’s answer and opens an affected symbol', async () => {
		const save = symbols.find((s) => s.name === 'save')!;
		const fetch = vi.fn(async () => reply(200, impacts[save.id]));
		vi.stubGlobal('fetch', fetch);
		const onSelect = vi.fn();
		render(ServerImpact, { jobId: 'job-1', symbolId: save.id, onSelect });
		const list = await screen.findByTestId('server-impact-affected');
		expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe(`/api/jobs/job-1/impact?symbol=${save.id}&depth=3&limit=50`);
		const expected = impacts[save.id];
		expect(within(list).getAllByRole('listitem').map((li) => li.textContent!.replace(/\s+/g, ' ').trim())).toEqual(expected.affected.map((a) => `d${a.depth} ${a.name}`));
		expect(screen.getByTestId('server-impact-summary')).toHaveTextContent(`(by depth: ${expected.by_depth.join(', ')})`);
		await fireEvent.click(within(list).getAllByRole('button')[0]);
		expect(onSelect).toHaveBeenCalledWith(expected.affected[0].id);
	});

	it('pages with the server’s next offset', async () => {
		const a = (n: number) => ({ id: `sym_${n}`, name: `f${n}`, kind: 'function', path: 'a.py', line: n, depth: 1, via: 'calls' as const });
		const page = (from: number, next?: number): ImpactAnswer => ({
			target: { id: 'sym_t', name: 't', kind: 'function', path: 'a.py', line: 1 },
			depth: 3,
			by_depth: [60],
			affected: Array.from({ length: next ? 50 : 10 }, (_, k) => a(from + k)),
			page: { offset: from, limit: 50, total: 60, ...(next ? { next_offset: next } : {}) },
			tests: [],
			tests_total: 0,
			modules: [['m', 60]],
			importing_files: [],
			importing_files_total: 0,
			truncated: false
		});
		const fetch = vi.fn(async (url: string) => reply(200, url.includes('offset=50') ? page(50) : page(0, 50)));
		vi.stubGlobal('fetch', fetch);
		render(ServerImpact, { jobId: 'job-1', symbolId: 'sym_t', onSelect: vi.fn() });
		await fireEvent.click(await screen.findByRole('button', { name: 'Show more (10 hidden)' }));
		await waitFor(() => expect(within(screen.getByTestId('server-impact-affected')).getAllByRole('listitem')).toHaveLength(60));
		expect(screen.queryByRole('button', { name: /Show more/ })).toBeNull();
	});
});
