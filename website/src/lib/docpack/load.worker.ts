/**
 * The docpack reader's worker: downloads (or reads) the docpack, inflates
 * it, reads the tar and verifies each entry against the manifest
 * (`stream-read.ts`), off the page's thread.
 *
 * The big parts — `graph.json`, `nodes.json`, `source_map.json` — are
 * parsed here as they inflate (`worker-parts.ts`): the page gets the edges
 * in columns, each symbol's summary in batches, and the files; each
 * symbol's detail stays here, and the worker stays up after `done` to
 * answer the page's `details` requests. The other JSON parts are streamed
 * to the page: hashed as they inflate and forwarded in chunks of a few
 * megabytes (transferred), which it parses while the rest is still
 * inflating; once an entry's last byte is in and its SHA-256 matches, a
 * `verified` message — nothing of an entry is used before it. No JSON part
 * is ever held whole, here or in the page. The other entries go whole
 * once verified; `docs.json` is also read here, and if it states the
 * module level (format 1.4 on) that is posted first (`architecture`), so
 * the map shows before the page has parsed anything big. The page says
 * how many forwarded bytes it has parsed: the reader waits while it is
 * more than {@link IN_FLIGHT} behind, so unparsed bytes never pile up.
 */

import { DocpackError } from './read';
import { readForPage, WorkerParts } from './worker-parts';
import type { LoadRequest, PageMessage, WorkerMessage } from './load';

const post = (message: WorkerMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

/** Most forwarded bytes the page may have left to parse. */
const IN_FLIGHT = 48 << 20;

async function errorText(response: Response): Promise<string> {
	try {
		const body = (await response.json()) as { error?: string; message?: string };
		return body.error ?? body.message ?? `HTTP ${response.status}`;
	} catch {
		return `HTTP ${response.status} ${response.statusText}`.trim();
	}
}

let inFlight = 0;
let waiting: (() => void)[] = [];
const parts = new WorkerParts(post);

async function read(request: LoadRequest): Promise<void> {
	let stream: ReadableStream<Uint8Array>;
	if (request.url !== undefined) {
		let response: Response;
		try {
			response = await fetch(request.url);
		} catch (e) {
			post({ type: 'error', message: `cannot download the docpack (${(e as Error).message})`, kind: 'network' });
			return;
		}
		if (!response.ok || !response.body) {
			post({ type: 'error', message: await errorText(response), kind: 'network', status: response.status });
			return;
		}
		stream = response.body;
	} else {
		stream = request.file!.stream() as ReadableStream<Uint8Array>;
	}
	await readForPage(stream, parts, {
		forwarded: (bytes) => (inFlight += bytes),
		drain: async () => {
			while (inFlight > IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
		}
	});
}

self.onmessage = (event: MessageEvent<LoadRequest | PageMessage>) => {
	const message = event.data;
	if ('type' in message && message.type === 'details') return void parts.answer(message.request, message.indices);
	if ('type' in message && message.type === 'consumed') {
		inFlight -= message.bytes;
		const resume = waiting;
		waiting = [];
		resume.forEach((r) => r());
		return;
	}
	read(message as LoadRequest).catch((e) =>
		post({ type: 'error', message: (e as Error).message, kind: e instanceof DocpackError ? e.kind : 'format' })
	);
};
