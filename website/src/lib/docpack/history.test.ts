// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocpack } from './read';
import { DocpackAssembler } from './load';
import { readDocpackStream } from './stream-read';
import { parseHistory } from './history';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../tests/fixtures/${name}`, import.meta.url)));

describe('history.json', () => {
	it('is read from a docpack that has it (make-history-docpack.sh)', async () => {
		const docpack = await readDocpack(fixture('history.docpack'));
		const h = docpack.history?.history;
		expect(h?.summary.commits).toBe(14);
		expect(h?.authors.map((a) => a.key)).toEqual(['ada@example.com', 'grace@example.com', 'linus@example.com']);
		expect(h?.timeline.map((m) => m.month)).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06']);
		expect(docpack.verification.ignored).toEqual([]);
	});

	it('comes through the streaming loader as well', async () => {
		const data = fixture('history.docpack');
		const assembler = new DocpackAssembler();
		const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(data), c.close()) });
		const { manifest, verification } = await readDocpackStream(stream, { onEntry: (name, bytes) => assembler.add(name, bytes) });
		const docpack = await assembler.finish(manifest, verification);
		expect(docpack.history?.history?.coupling.files).toHaveLength(2);
	});

	it('is absent, with no reason, from a docpack without it', async () => {
		const docpack = await readDocpack(fixture('layered.docpack'));
		expect(docpack.history).toEqual({ history: null, reason: docpack.manifest.parts.history_absent ?? null });
	});

	it('of another format or version is refused with a one-line reason', () => {
		expect(parseHistory('{"format":"doctown-history","version":2}')).toEqual({
			history: null,
			reason: 'history.json is "doctown-history" version 2; this website reads doctown-history version 1'
		});
		expect((parseHistory('{') as { reason: string }).reason).toMatch(/^history\.json is not valid JSON/);
		expect((parseHistory('{"format":"doctown-history","version":1,"summary":{}}') as { reason: string }).reason).toMatch(/lacks a part/);
	});
});
