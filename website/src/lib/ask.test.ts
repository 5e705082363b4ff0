// @vitest-environment node
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { answerBlocks, askJob, askLocally, askUnavailable, askUrl, findCitations, groupBlocks, impactUrl, questionProblem, symbolAt, type AskAnswer, type Part } from './ask';
import { readDocpack } from './docpack/read';
import { DocpackModel } from './docpack/model';

const fixtures = new URL('../../tests/fixtures/', import.meta.url);
/** The engine's answers about layered.docpack, recorded by the CLI (record-layered-queries.mjs). */
const recorded = JSON.parse(readFileSync(new URL('layered-query.json', fixtures), 'utf8')) as { ask: Record<string, AskAnswer> };
const layered = await readDocpack(new Uint8Array(readFileSync(new URL('layered.docpack', fixtures))));
const byId = new Map(layered.symbols.map((s) => [s.id, s]));
const locate = (path: string, line: number) => symbolAt(layered.symbols, path, line);

const cites = (parts: Part[]) => parts.filter((p) => 'cite' in p) as Extract<Part, { cite: string }>[];

describe('citations in an answer', () => {
	it('are path:line and path:line-line, not URLs or times', () => {
		const found = findCitations('see src/a.rs:12 and (lib/b.py:3-9), at 10:30, https://x.org:443/y, //c.d:4 and a:1');
		expect(found.map((c) => [c.path, c.line])).toEqual([
			['src/a.rs', 12],
			['lib/b.py', 3]
		]);
		const text = 'x lib/b.py:3-9.';
		const [c] = findCitations(text);
		expect(text.slice(c.start, c.end)).toBe('lib/b.py:3-9');
	});

	it('find the innermost symbol whose lines hold the line', () => {
		const symbols = [
			{ id: 'class', path: 'a.py', range: { start_line: 1, end_line: 40 } },
			{ id: 'method', path: 'a.py', range: { start_line: 10, end_line: 20 } },
			{ id: 'other', path: 'b.py', range: { start_line: 1, end_line: 99 } }
		];
		expect(symbolAt(symbols, 'a.py', 12)).toBe('method');
		expect(symbolAt(symbols, 'a.py', 30)).toBe('class');
		expect(symbolAt(symbols, 'a.py', 41)).toBeNull();
		expect(symbolAt(symbols, 'c.py', 1)).toBeNull();
	});

	it('link every citation of the engine’s answer to its symbol (layered-repo, no model)', () => {
		const answer = recorded.ask['how is a row saved'];
		expect(answer.model).toBe('evidence');
		const blocks = answerBlocks(answer.answer, answer.cited, locate);
		const groups = groupBlocks(blocks);
		// A lead paragraph, the ranked evidence as one ordered list, then the flow.
		expect(groups.map((g) => g.kind)).toEqual(['p', 'ol', 'p']);
		const items = groups[1].kind === 'ol' ? groups[1].items : [];
		expect(items).toHaveLength(answer.evidence.items.length);
		// Each item starts with its symbol's citation, linked to that symbol.
		items.forEach((item, k) => {
			const first = cites(item.lines[0])[0];
			expect(first.cite).toBe(answer.citations[k]);
			expect(first.id).toBe(answer.evidence.items[k].id);
		});
		// Callers and callees are cited too, and found in the docpack by path and line.
		const all = blocks.flatMap((b) => b.lines.flatMap(cites));
		const process = all.find((c) => c.cite === 'core/service.py:13' && items[0].lines.some((l) => l.includes(c)));
		expect(process && byId.get(process.id!)?.name).toBe('process');
		for (const c of all) {
			expect(c.id, c.cite).not.toBeNull();
			const s = byId.get(c.id!)!;
			expect(`${s.path}:${s.range.start_line}`).toBe(c.cite.replace(/-\d+$/, ''));
		}
		// Nothing is lost: the text and citations put back together are the answer.
		const text = blocks.flatMap((b) => b.lines.map((l) => l.map((p) => ('text' in p ? p.text : p.cite)).join('')));
		const lines = answer.answer.split('\n').map((l) => l.trim().replace(/^\d+\.\s+/, '')).filter(Boolean);
		expect(text).toEqual(lines);
	});

	it('mark unverified citations and leave them unlinked', () => {
		const blocks = answerBlocks(
			'It saves (storage/db.py:9), then (nowhere/x.py:3 [unverified]).\n\n- a `code` point storage/db.py:15',
			[{ cite: 'storage/db.py:9', id: 'sym_saved', name: 'storage.db.save', kind: 'function', path: 'storage/db.py', line: 9 }],
			locate
		);
		expect(blocks.map((b) => b.kind)).toEqual(['p', 'li']);
		const [saved, nowhere] = cites(blocks[0].lines[0]);
		expect(saved).toEqual({ cite: 'storage/db.py:9', id: 'sym_saved', unverified: false });
		expect(nowhere).toEqual({ cite: 'nowhere/x.py:3', id: null, unverified: true });
		expect(blocks[0].lines[0].at(-1)).toEqual({ text: ').' });
		expect(byId.get(cites(blocks[1].lines[0])[0].id!)?.name).toBe('load');
	});
});

describe('asking the server', () => {
	afterEach(() => vi.unstubAllGlobals());

	it('checks a question as the server would', () => {
		expect(questionProblem('  ')).toBe('Type a question first.');
		expect(questionProblem('x'.repeat(2000))).toBeNull();
		expect(questionProblem('é'.repeat(2001))).toContain('at most 2,000 characters (this one has 2,001)');
	});

	it('builds the routes’ URLs', () => {
		expect(askUrl('job-1', 'a b&c')).toBe('/api/jobs/job-1/ask?q=a+b%26c');
		expect(impactUrl('job-1', 'sym_1', { depth: 2 })).toBe('/api/jobs/job-1/impact?symbol=sym_1&depth=2&limit=50');
	});

	it('answers with the server’s answer, or its one-line error', async () => {
		const answer = recorded.ask['how is a row saved'];
		const fetch = vi.fn(async (url: string) =>
			url.includes('q=how')
				? new Response(JSON.stringify(answer), { status: 200 })
				: new Response(JSON.stringify({ error: 'ask is not served by this host' }), { status: 404, headers: { 'content-type': 'application/json' } })
		);
		vi.stubGlobal('fetch', fetch);
		expect(await askJob('job-1', 'how is a row saved')).toEqual(answer);
		const refused = await askJob('job-1', 'else').catch((e) => e);
		expect(refused).toBeInstanceOf(ApiError);
		expect(refused.message).toBe('ask is not served by this host');
		expect(askUnavailable(refused)).toBe(true);
		expect(askUnavailable(new ApiError('job job-1 has not finished (status running)', 409))).toBe(false);
		expect(askUnavailable(new ApiError('no symbol', 404))).toBe(false);
	});
});

describe('a streamed answer', () => {
	afterEach(() => vi.unstubAllGlobals());
	const answer = recorded.ask['how is a row saved'];
	const stream = (text: string, chunk = 7) =>
		new ReadableStream<Uint8Array>({
			start(controller) {
				const bytes = new TextEncoder().encode(text);
				for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk));
				controller.close();
			}
		});

	it('gives the model’s words as they come, then the checked answer', async () => {
		const events = `event: text\ndata: "The rows are "\n\n: keep-alive\n\nevent: text\ndata: "saved (storage/db.py:9).\\n"\n\nevent: answer\ndata: ${JSON.stringify(answer)}\n\n`;
		vi.stubGlobal('fetch', vi.fn(async () => new Response(stream(events), { headers: { 'content-type': 'text/event-stream' } })));
		const seen: string[] = [];
		const got = await askJob('job-1', 'how is a row saved', undefined, (soFar) => seen.push(soFar));
		expect(seen).toEqual(['The rows are ', 'The rows are saved (storage/db.py:9).\n']);
		expect(got).toEqual(answer);
	});

	it('fails with the server’s error, or when the stream ends without an answer', async () => {
		const fail = `event: text\ndata: "The"\n\nevent: error\ndata: {"error":"the model failed: HTTP 500"}\n\n`;
		vi.stubGlobal('fetch', vi.fn(async () => new Response(stream(fail), { headers: { 'content-type': 'text/event-stream' } })));
		await expect(askJob('job-1', 'q')).rejects.toThrow('the model failed: HTTP 500');
		vi.stubGlobal('fetch', vi.fn(async () => new Response(stream('event: text\ndata: "The"\n\n'), { headers: { 'content-type': 'text/event-stream' } })));
		await expect(askJob('job-1', 'q')).rejects.toThrow('the answer ended before it was complete');
	});
});

describe('a question answered in the browser', () => {
	it('cites the symbols whose words match it, as the evidence, each linked to its symbol', async () => {
		const model = new DocpackModel(layered);
		const answer = await askLocally(model, 'where is a stored value read');
		expect(answer.model).toBe('evidence');
		expect(answer.cited[0].name).toMatch(/load$/);
		expect(answer.citations[0]).toBe(`${answer.cited[0].path}:${answer.cited[0].line}`);
		// Every citation in the text points at the symbol it names.
		const blocks = answerBlocks(answer.answer, answer.cited, (path, line) => symbolAt(model.byFile.get(path) ?? [], path, line));
		const linked = blocks.flatMap((b) => b.lines.flat()).flatMap((p: Part) => ('id' in p && p.id ? [p.id] : []));
		expect(linked).toEqual(answer.cited.map((c) => c.id));
		const none = await askLocally(model, 'quantum chromodynamics');
		expect(none.cited).toEqual([]);
		expect(none.answer).toMatch(/^No symbol/);
	});
});
