/**
 * The parts the reader's worker parses itself (`load.worker.ts`): the big
 * ones, `graph.json`, `nodes.json` and `source_map.json`. Each is parsed
 * in slices as its bytes inflate (`json-slices.ts`), never held whole, and
 * what the page needs is posted to it:
 *
 * * `graph.json`: the edges in columns (`EdgeTable`, its arrays
 *   transferred) with the file and module nodes, once verified;
 * * `nodes.json`: the symbols' summaries in batches as they are parsed
 *   (the page uses none before `verified`); each symbol's detail stays
 *   here (`DetailStore`) and is posted when the page asks (`details`);
 * * `source_map.json`: the files, their chunks only when there are
 *   embeddings (they serve the similar-symbols search alone).
 */

import { SliceSink } from './json-slices';
import { EdgeTable } from './edges';
import { DetailStore, SummaryWriter, BATCH, PARSED_HERE } from './symbol-table';
import { SearchTextBuilder, WORDS_UP_TO } from './search-text';
import type { WorkerMessage } from './load';
import { readDocpackStream } from './stream-read';
import { DocpackError, parseVersion } from './read';
import { architectureFromDocs } from '$lib/architecture/modules';
import type { Docs, Edge, GraphNode, Manifest, SourceFile, SymbolNode } from './types';

/** Drops each symbol's `words` (the last key of a symbol in canonical order) before parsing. */
export const dropWords = (text: string) => text.replace(/,\n\s*"words": "(?:[^"\\\n]|\\.)*"/g, '');

type Post = (message: WorkerMessage, transfer?: Transferable[]) => void;

/** Posts the module level `docs.json` states, if it does (an older docpack's waits for graph.json, on the page). */
function postModuleLevel(data: Uint8Array, post: Post): void {
	let docs: Docs;
	try {
		docs = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as Docs;
	} catch {
		return; // the page parses it too, and says what is wrong
	}
	const architecture = docs && typeof docs === 'object' ? architectureFromDocs(docs) : null;
	if (architecture) post({ type: 'architecture', architecture });
}

/** Entries forwarded to the page in chunks as they arrive, hashed chunk by chunk. */
const STREAMED = new Set(['clusters.json', 'symbol_contexts.json']);
/**
 * In a docpack older than 1.4 (docs.json states no module level), the
 * architecture map waits for graph.json: it is parsed as it arrives too,
 * but held whole and hashed by WebCrypto (ten times hash-wasm's speed).
 * From 1.4 on it is streamed like the other parts: held whole (and copied
 * by WebCrypto) it was the tab's peak memory at 500,000 symbols.
 */
const HELD_WHOLE = 'graph.json';

/** Whether docs.json states the module level: the writer's since format 1.4. */
function statesModuleLevel(manifest: Manifest): boolean {
	const version = parseVersion(manifest.schema_version);
	return version !== null && version.major === 1 && version.minor >= 4;
}
/** Bytes per forwarded chunk (the last one of an entry may be smaller). */
const CHUNK = 4 << 20;

/** How the reader keeps pace with the page: the bytes it forwards, and a wait while the page is behind. */
export interface PagePace {
	forwarded(bytes: number): void;
	drain(): Promise<void>;
}

/**
 * Reads a docpack for the page: posts the manifest, the module level, the
 * forwarded parts' chunks, the parts parsed here (`parts`), the verified
 * entries and at last `done`. What is not verified is never used. (One
 * function past sixty lines: its handlers share the staging buffer and
 * graph.json's progress.)
 */
export async function readForPage(stream: ReadableStream<Uint8Array>, parts: WorkerParts, page: PagePace): Promise<void> {
	const post = parts.post;
	// Bytes of the streamed entry gathered for the next chunk sent.
	let staging = new Uint8Array(CHUNK);
	let staged = 0;
	const flush = (name: string) => {
		if (staged === 0) return;
		const chunk = staged === staging.length ? staging : staging.slice(0, staged);
		page.forwarded(chunk.length);
		post({ type: 'chunk', name, data: chunk }, [chunk.buffer as ArrayBuffer]);
		staging = new Uint8Array(CHUNK);
		staged = 0;
	};
	// graph.json's bytes parsed so far, when it is held whole.
	let graphFed = 0;
	const feedGraph = (data: Uint8Array, upTo: number) => {
		if (upTo <= graphFed) return;
		parts.chunk(HELD_WHOLE, data.subarray(graphFed, upTo));
		graphFed = upTo;
	};
	let reported = 0;
	let graphWhole = true;

	const { verification } = await readDocpackStream(stream, {
		onPartial: (name, data, filled) => {
			if (name === HELD_WHOLE && filled - graphFed >= CHUNK) feedGraph(data, filled);
		},
		onManifest: (manifest) => {
			graphWhole = !statesModuleLevel(manifest);
			parts.manifest = manifest;
			post({ type: 'manifest', manifest });
		},
		stream: (name) => STREAMED.has(name) || (PARSED_HERE.has(name) && (name !== HELD_WHOLE || !graphWhole)),
		onChunk: (name, bytes) => {
			if (PARSED_HERE.has(name)) return parts.chunk(name, bytes);
			for (let at = 0; at < bytes.length; ) {
				const take = Math.min(staging.length - staged, bytes.length - at);
				staging.set(bytes.subarray(at, at + take), staged);
				staged += take;
				at += take;
				if (staged === staging.length) flush(name);
			}
		},
		onChunksEnd: (name) => flush(name),
		onStreamed: (name, size) => (PARSED_HERE.has(name) ? parts.verified(name) : post({ type: 'verified', name, size })),
		onEntry: async (name, data) => {
			if (PARSED_HERE.has(name)) {
				// graph.json held whole, or a part small enough to arrive in one piece.
				if (name === HELD_WHOLE) feedGraph(data, data.length);
				else parts.chunk(name, data);
				return parts.verified(name);
			}
			if (name === 'docs.json') postModuleLevel(data, post);
			post({ type: 'entry', name, data }, [data.buffer as ArrayBuffer]);
		},
		onDrain: page.drain,
		onProgress: (compressed, decompressed) => {
			const now = performance.now();
			if (now - reported < 100) return;
			reported = now;
			post({ type: 'progress', compressed, decompressed });
		}
	});
	post({ type: 'done', verification });
}

export class WorkerParts {
	private readonly sinks = new Map<string, SliceSink>();
	private edges = new EdgeTable();
	private readonly summaries = new SummaryWriter();
	private readonly search = new SearchTextBuilder();
	readonly details = new DetailStore();
	manifest: Manifest | null = null;

	constructor(readonly post: Post) {}

	/** More bytes of a part (not verified yet): parsed as far as they go. */
	chunk(name: string, bytes: Uint8Array): void {
		let sink = this.sinks.get(name);
		if (!sink) this.sinks.set(name, (sink = this.sinkFor(name)));
		try {
			sink.push(bytes);
		} catch (e) {
			throw new DocpackError(`${name} is not valid JSON: ${(e as Error).message}`, 'format');
		}
	}

	/** The part is complete and verified: what is left is parsed and the page gets it. */
	async verified(name: string): Promise<void> {
		const sink = this.sinks.get(name) ?? this.sinkFor(name);
		this.sinks.delete(name);
		let value: Record<string, unknown>;
		try {
			value = await sink.finish();
		} catch (e) {
			throw new DocpackError(`${name} is not valid JSON: ${(e as Error).message}`, 'format');
		}
		switch (name) {
			case 'graph.json': {
				const { columns, transfer } = this.edges.toColumns();
				this.post({ type: 'graph', nodes: (value.nodes as GraphNode[]) ?? [], metrics: (value.metrics as Record<string, unknown>) ?? {}, edges: columns }, transfer);
				break;
			}
			case 'nodes.json': {
				if (this.summaries.size) this.postSummaries();
				this.details.finish();
				const search = this.search.finish();
				const buffers = [search.nameAt, search.restAt, search.qualifiedLength, ...(search.wordsAt ? [search.wordsAt] : [])];
				this.post({ type: 'search', search }, buffers.map((a) => a.buffer as ArrayBuffer));
				break;
			}
			case 'source_map.json':
				this.post({ type: 'files', files: (value.files as SourceFile[]) ?? [] });
				break;
		}
		this.post({ type: 'verified', name, size: 0 });
	}

	private sinkFor(name: string): SliceSink {
		switch (name) {
			case 'graph.json':
				// Edges go straight into columns; symbol nodes repeat nodes.json.
				return new SliceSink({ edges: (e) => void this.edges.add(e as Edge), nodes: (n) => ((n as GraphNode).kind === 'symbol' ? undefined : n) });
			case 'nodes.json':
				return new SliceSink(
					{
						symbols: (x) => {
							const s = x as SymbolNode;
							this.summaries.add(s);
							this.details.add(s);
							this.search.add(s);
							if (this.summaries.size === BATCH) this.postSummaries();
							return undefined;
						}
					},
					// The code's words feed the word search up to its limit; beyond it they are dropped unparsed.
					{ rewrite: (text) => (this.details.size >= WORDS_UP_TO ? dropWords(text) : text) }
				);
			default: {
				// Chunks serve the embeddings (similar symbols) only: without them, they are left out.
				const chunks = !this.manifest || this.manifest.parts?.embeddings;
				return new SliceSink({ files: chunks ? true : (f) => ({ ...(f as SourceFile), chunks: [] }) });
			}
		}
	}

	private postSummaries(): void {
		const { batch, transfer } = this.summaries.take();
		this.post({ type: 'symbols', batch }, transfer);
	}

	/** The page asks for symbols' details. */
	async answer(request: number, indices: number[]): Promise<void> {
		this.post({ type: 'details', request, details: await this.details.many(indices) });
	}
}
