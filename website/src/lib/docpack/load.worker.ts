/**
 * The docpack reader's worker: downloads (or reads) the docpack, inflates
 * it, reads the tar and verifies each entry against the manifest
 * (`stream-read.ts`), off the page's thread.
 *
 * The JSON parts are streamed: hashed as they inflate and forwarded to the
 * page in chunks of a few megabytes (transferred), which it parses while
 * the rest is still inflating; once an entry's last byte is in and its
 * SHA-256 matches, a `verified` message — nothing of an entry is used
 * before it. No JSON part is ever held whole, here or in the page. The
 * other entries go whole once verified; `docs.json` is also read here,
 * and if it states the module level (format 1.4 on) that is posted first
 * (`architecture`), so the map shows before the page has parsed anything
 * big. The page says how many bytes it
 * has parsed: the reader waits while it is more than {@link IN_FLIGHT}
 * behind, so unparsed bytes never pile up.
 */

import { readDocpackStream } from './stream-read';
import { DocpackError, parseVersion } from './read';
import { architectureFromDocs } from '$lib/architecture/modules';
import type { Docs, Manifest } from './types';
import type { LoadRequest, PageMessage, WorkerMessage } from './load';

const post = (message: WorkerMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

/** Posts the module level `docs.json` states, if it does (an older docpack's waits for graph.json, on the page). */
function postModuleLevel(data: Uint8Array): void {
	let docs: Docs;
	try {
		docs = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as Docs;
	} catch {
		return; // the page parses it too, and says what is wrong
	}
	const architecture = docs && typeof docs === 'object' ? architectureFromDocs(docs) : null;
	if (architecture) post({ type: 'architecture', architecture });
}

/** Entries forwarded in chunks as they arrive, hashed chunk by chunk. */
const STREAMED = new Set(['clusters.json', 'nodes.json', 'source_map.json', 'symbol_contexts.json']);
/**
 * In a docpack older than 1.4 (docs.json states no module level), the
 * architecture map waits for graph.json: it is forwarded in chunks as it
 * arrives too, but held whole and hashed by WebCrypto (ten times
 * hash-wasm's speed). From 1.4 on it is streamed like the other parts:
 * held whole (and copied by WebCrypto) it was the tab's peak memory at
 * 500,000 symbols.
 */
const FORWARDED_WHOLE = 'graph.json';

/** Whether docs.json states the module level: the writer's since format 1.4. */
function statesModuleLevel(manifest: Manifest): boolean {
	const version = parseVersion(manifest.schema_version);
	return version !== null && version.major === 1 && version.minor >= 4;
}
/** Bytes per forwarded chunk (the last one of an entry may be smaller). */
const CHUNK = 4 << 20;
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

	// Bytes of the streamed entry gathered for the next chunk sent.
	let staging = new Uint8Array(CHUNK);
	let staged = 0;
	const flush = (name: string) => {
		if (staged === 0) return;
		const chunk = staged === staging.length ? staging : staging.slice(0, staged);
		inFlight += chunk.length;
		post({ type: 'chunk', name, data: chunk }, [chunk.buffer as ArrayBuffer]);
		staging = new Uint8Array(CHUNK);
		staged = 0;
	};
	// graph.json's bytes forwarded so far (straight from its buffer, not through the staging).
	let graphSent = 0;
	const forwardGraph = (data: Uint8Array, upTo: number, last: boolean) => {
		if (upTo - graphSent < (last ? 1 : CHUNK)) return;
		const chunk = data.slice(graphSent, upTo);
		graphSent = upTo;
		inFlight += chunk.length;
		post({ type: 'chunk', name: FORWARDED_WHOLE, data: chunk }, [chunk.buffer as ArrayBuffer]);
	};
	let reported = 0;
	let graphWhole = true;

	const { verification } = await readDocpackStream(stream, {
		onPartial: (name, data, filled) => {
			if (name === FORWARDED_WHOLE) forwardGraph(data, filled, false);
		},
		onManifest: (manifest) => {
			graphWhole = !statesModuleLevel(manifest);
			post({ type: 'manifest', manifest });
		},
		stream: (name) => STREAMED.has(name) || (name === FORWARDED_WHOLE && !graphWhole),
		onChunk: (name, bytes) => {
			for (let at = 0; at < bytes.length; ) {
				const take = Math.min(staging.length - staged, bytes.length - at);
				staging.set(bytes.subarray(at, at + take), staged);
				staged += take;
				at += take;
				if (staged === staging.length) flush(name);
			}
		},
		onChunksEnd: (name) => flush(name),
		onStreamed: (name, size) => post({ type: 'verified', name, size }),
		onEntry: (name, data) => {
			if (name === FORWARDED_WHOLE) {
				forwardGraph(data, data.length, true);
				post({ type: 'verified', name, size: data.length });
				return;
			}
			if (name === 'docs.json') postModuleLevel(data);
			post({ type: 'entry', name, data }, [data.buffer as ArrayBuffer]);
		},
		onDrain: async () => {
			while (inFlight > IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
		},
		onProgress: (compressed, decompressed) => {
			const now = performance.now();
			if (now - reported < 100) return;
			reported = now;
			post({ type: 'progress', compressed, decompressed });
		}
	});
	post({ type: 'done', verification });
}

self.onmessage = (event: MessageEvent<LoadRequest | PageMessage>) => {
	const message = event.data;
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
