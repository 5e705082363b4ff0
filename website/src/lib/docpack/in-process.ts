/**
 * The reader's worker and the page on one thread: `readForPage` (the
 * worker's code) posts to `messageHandler` (the page's), and the page's
 * `details` requests are answered by the same `WorkerParts`. Messages are
 * copied with `structuredClone`, as `postMessage` copies them. For tests
 * and benchmarks in Node; the site runs the worker (`load.worker.ts`).
 */

import { DocpackAssembler, messageHandler, type LoadHandlers, type PageMessage, type WorkerMessage } from './load';
import { readForPage, WorkerParts } from './worker-parts';
import type { Docpack } from './types';

/** Opens a docpack as the site does; `observe` sees each message of the worker. */
export function openInProcess(stream: ReadableStream<Uint8Array>, handlers: LoadHandlers = {}, observe?: (m: WorkerMessage) => void): Promise<Docpack> {
	return new Promise<Docpack>((resolve, reject) => {
		let parts: WorkerParts | null = null;
		const port = {
			postMessage: (m: PageMessage) => {
				if (m.type === 'details') queueMicrotask(() => parts?.answer(m.request, m.indices));
			},
			terminate: () => (parts = null)
		};
		const handle = messageHandler(port, new DocpackAssembler(handlers), handlers, resolve, reject);
		parts = new WorkerParts((m: WorkerMessage) => {
			observe?.(m);
			handle(structuredClone(m));
		});
		readForPage(stream, parts, { forwarded: () => {}, drain: async () => {} }).catch(reject);
	});
}
