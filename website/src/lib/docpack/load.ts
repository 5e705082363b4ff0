/**
 * Opening a docpack without freezing the page, whatever its size.
 *
 * A worker (`load.worker.ts`) downloads, inflates and verifies it entry by
 * entry. The module level comes first: since format 1.4 `docs.json` states
 * it (each module's code and dependencies) and precedes `graph.json`, so
 * the worker posts it as soon as `docs.json` is verified
 * (`architectureFromDocs`) — the first few megabytes of the archive; for an
 * older docpack it is computed from `graph.json` once that is in
 * (`quickArchitecture`), before the symbols and the source map, most of the
 * bytes. Either way the architecture map shows while the rest arrives. The
 * docpack is returned when every entry is in and verified.
 *
 * Symbol detail on demand: the worker parses the big parts itself
 * (`worker-parts.ts`). Of `nodes.json` the page receives only each symbol's
 * summary — id, name, kind, qualified name, path, lines, language,
 * visibility, parent, attributes, cluster, centrality, role — in batches
 * of columns (typed arrays, the strings joined, each path once:
 * `symbol-table.ts`), which the lists, the search, the graphs, impact,
 * flows and the architecture map read. The rest of each node (signature,
 * doc comment, documentation, metrics, byte range) is its detail: the
 * worker keeps it as compact JSON text (no `words`, no indentation), a
 * buffer per 256 symbols, and the page asks for the symbols it shows
 * (`Docpack.details`, `DocpackModel.details`); a group is decoded when one
 * of its symbols is asked for, and the page keeps the last 4,096 details.
 * Re-parsing the JSON on demand from byte offsets into the raw part was the
 * other way: it would keep `nodes.json` whole in the worker (545 MB at
 * 500,000 symbols, a third of it `words` and indentation), where the
 * detail text is about a third of that. So the worker stays up until the
 * docpack is closed (`details.close()`).
 *
 * The page parses the small parts (`docs.json`, `clusters.json`,
 * `symbol_contexts.json`, `history.json`) in slices between which it keeps
 * answering (`json-slices.ts`). `graph.json`'s symbol nodes are left out
 * (they repeat nodes.json), edges are held in columns (`edges.ts`), the
 * source map's chunks only when there are embeddings (they serve only the
 * similar-symbols search).
 */

import { BROWSER_LIMITS, DocpackError, readDocpack } from './read';
import { parseEmbeddings } from './embeddings';
import { absentHistory, parseHistory, type HistoryPart } from './history';
import { parseObjectInSlices, SliceSink } from './json-slices';
import { PARSED_HERE, readSummaryBatch, RemoteDetails, type SummaryBatch } from './symbol-table';
import { quickArchitecture } from '$lib/architecture/quick';
import { architectureFromDocs, type Architecture } from '$lib/architecture/modules';
import type { Docpack, Docs, Graph, GraphNode, Manifest, SourceFile, SymbolSummary, Verification } from './types';
import { EdgeTable, type EdgeColumns } from './edges';
import type { SearchText } from './search-text';

export interface LoadRequest {
	url?: string;
	file?: File;
}

export type WorkerMessage =
	| { type: 'manifest'; manifest: Manifest }
	| { type: 'architecture'; architecture: Architecture }
	| { type: 'chunk'; name: string; data: Uint8Array }
	| { type: 'verified'; name: string; size: number }
	| { type: 'entry'; name: string; data: Uint8Array }
	| { type: 'progress'; compressed: number; decompressed: number }
	| { type: 'done'; verification: Verification }
	/** Summaries of the next symbols of nodes.json (not verified yet). */
	| { type: 'symbols'; batch: SummaryBatch }
	/** graph.json, verified: its file and module nodes, its edges in columns. */
	| { type: 'graph'; nodes: GraphNode[]; metrics: Graph['metrics']; edges: EdgeColumns }
	/** source_map.json's files, verified. */
	| { type: 'files'; files: SourceFile[] }
	/** What the symbol search scans, built as nodes.json was parsed (not verified yet). */
	| { type: 'search'; search: SearchText }
	/** The answer to a `details` request: each symbol's detail, in the order asked. */
	| { type: 'details'; request: number; details: (Record<string, unknown> | null)[] }
	| { type: 'error'; message: string; kind: 'format' | 'version' | 'checksum' | 'size' | 'network'; status?: number };

/** The page parsed this many more of the forwarded bytes (the reader goes on), or asks for symbols' details. */
export type PageMessage = { type: 'consumed'; bytes: number } | { type: 'details'; request: number; indices: number[] };

export interface LoadHandlers {
	onManifest?(manifest: Manifest): void;
	/** The module level, from `docs.json` (1.4 on) or the graph (before the symbols are in). */
	onArchitecture?(arch: Architecture): void;
	onProgress?(text: string): void;
}

/** A docpack that could not be downloaded. */
export class DownloadError extends Error {
	constructor(
		message: string,
		readonly status = 0
	) {
		super(message);
		this.name = 'DownloadError';
	}
}

/** Lets the page handle input and paint between two slices of work. */
export function yieldToPage(): Promise<void> {
	const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
	if (scheduler?.yield) return scheduler.yield();
	return new Promise((resolve) => {
		const channel = new MessageChannel();
		channel.port1.onmessage = () => resolve();
		channel.port2.postMessage(null);
	});
}

/** Parses the verified entries as they come, in order; builds the Docpack at the end. */
export class DocpackAssembler {
	private parts: Partial<Docpack> & { graph?: Graph; docs?: Docs } = {};
	private queue: Promise<void> = Promise.resolve();
	private archSent = false;
	private history: HistoryPart | null = null;
	/** Set as soon as the manifest is in: what the parts may leave out depends on it. */
	manifest: Manifest | null = null;

	constructor(private readonly handlers: LoadHandlers = {}) {}

	add(name: string, data: Uint8Array): Promise<void> {
		mark(`entry:${name}`);
		this.queue = this.queue.then(async () => {
			await this.parse(name, data);
			mark(`parsed:${name}`);
		});
		return this.queue;
	}

	private sinks = new Map<string, SliceSink>();

	/** More bytes of a part (not verified yet): parsed as far as they go. */
	chunk(name: string, data: Uint8Array): void {
		let sink = this.sinks.get(name);
		if (!sink) {
			mark(`first-chunk:${name}`);
			this.sinks.set(name, (sink = new SliceSink(this.arraysOf(name))));
		}
		try {
			sink.push(data);
		} catch (e) {
			throw new DocpackError(`${name} is not valid JSON: ${(e as Error).message}`, 'format');
		}
	}

	/** The search's strings, from the worker (used once nodes.json is verified, with the symbols). */
	search: SearchText | null = null;

	/** Summaries of symbols parsed by the worker: kept aside until nodes.json is verified. */
	private pendingSymbols: SymbolSummary[] = [];
	/** The repeated strings of the summaries (each path once). */
	private readonly strings: string[] = [];

	symbols(batch: SummaryBatch): void {
		if (batch.start !== this.pendingSymbols.length) throw new DocpackError('nodes.json: symbols arrived out of order', 'format');
		for (const s of readSummaryBatch(batch, this.strings)) this.pendingSymbols.push(s);
	}

	/** graph.json, parsed and verified by the worker. */
	graph(nodes: GraphNode[], metrics: Graph['metrics'], edges: EdgeColumns): void {
		this.parts.graph = { nodes, edges: EdgeTable.fromColumns(edges), metrics: metrics ?? {} };
	}

	/** source_map.json's files, parsed and verified by the worker. */
	files(files: SourceFile[]): void {
		this.parts.files = files;
	}

	/** A part sent in chunks (or parsed by the worker) is complete and verified. */
	verified(name: string): Promise<void> {
		mark(`entry:${name}`);
		if (PARSED_HERE.has(name)) {
			if (name === 'nodes.json') {
				this.parts.symbols = this.pendingSymbols;
				this.pendingSymbols = [];
			}
			mark(`parsed:${name}`);
			this.architectureWhenReady();
			return this.queue;
		}
		const sink = this.sinks.get(name) ?? new SliceSink(this.arraysOf(name));
		this.sinks.delete(name);
		this.queue = this.queue.then(async () => {
			let value: Record<string, unknown>;
			try {
				value = await sink.finish();
			} catch (e) {
				throw new DocpackError(`${name} is not valid JSON: ${(e as Error).message}`, 'format');
			}
			this.assign(name, value);
			mark(`parsed:${name}`);
			this.architectureWhenReady();
		});
		return this.queue;
	}

	/** What to keep of each element of a part's big arrays. */
	private arraysOf(name: string): Record<string, true | ((x: unknown) => unknown)> {
		switch (name) {
			case 'clusters.json':
				return { clusters: true };
			case 'symbol_contexts.json':
				return { contexts: true };
			default:
				return {};
		}
	}

	private assign(name: string, value: Record<string, unknown>): void {
		switch (name) {
			case 'clusters.json':
				this.parts.clusters = (value.clusters as Docpack['clusters']) ?? [];
				break;
			case 'symbol_contexts.json':
				this.parts.symbolContexts = (value.contexts as Docpack['symbolContexts']) ?? [];
				break;
		}
	}

	/** The module level as the worker read it from `docs.json`: handed on at once, and not computed again. */
	architecture(arch: Architecture): void {
		mark('architecture-from-docs');
		if (this.archSent) return;
		this.archSent = true;
		this.handlers.onArchitecture?.(arch);
	}

	private architectureWhenReady(): void {
		if (this.archSent || !this.parts.docs) return;
		const stated = architectureFromDocs(this.parts.docs);
		if (!stated && !this.parts.graph) return;
		this.archSent = true;
		this.handlers.onArchitecture?.(stated ?? quickArchitecture(this.parts.graph!, this.parts.docs));
	}

	private async parse(name: string, data: Uint8Array): Promise<void> {
		const slices = { pause: yieldToPage };
		const json = async <T>(arrays: Record<string, true | ((x: unknown) => unknown)>, options = {}) =>
			(await parseObjectInSlices(data, arrays, { ...slices, ...options })) as T;
		try {
			switch (name) {
				case 'docs.json':
					// In slices: at 500,000 symbols the modules' symbol lists are tens of megabytes.
					this.parts.docs = (await json<Docs>({ modules: true })) ?? {};
					break;
				case 'clusters.json':
					this.parts.clusters = (await json<{ clusters?: Docpack['clusters'] }>({ clusters: true })).clusters ?? [];
					break;
				case 'symbol_contexts.json':
					this.parts.symbolContexts = (await json<{ contexts?: Docpack['symbolContexts'] }>({ contexts: true })).contexts ?? [];
					break;
				case 'embeddings.bin':
					this.parts.embeddings = parseEmbeddings(data);
					break;
				case 'history.json':
					// Whole (a few megabytes at most): a history it cannot read is reported, not fatal.
					this.history = parseHistory(data);
					break;
			}
		} catch (e) {
			if (e instanceof DocpackError) throw e;
			throw new DocpackError(`${name} is not valid ${name.endsWith('.json') ? 'JSON' : 'data'}: ${(e as Error).message}`, 'format');
		}
		this.architectureWhenReady();
	}

	async finish(manifest: Manifest, verification: Verification, details?: (symbols: SymbolSummary[]) => Docpack['details']): Promise<Docpack> {
		await this.queue;
		const p = this.parts;
		const symbols = p.symbols ?? [];
		return {
			manifest,
			symbols,
			details: details?.(symbols),
			search: this.search && this.search.nameAt.length === symbols.length + 1 ? this.search : undefined,
			graph: p.graph ?? { nodes: [], edges: [], metrics: {} },
			clusters: p.clusters ?? [],
			files: p.files ?? [],
			docs: p.docs ?? {},
			embeddings: p.embeddings ?? null,
			symbolContexts: p.symbolContexts ?? null,
			history: this.history ?? absentHistory(manifest.parts),
			verification
		};
	}
}

/** A User Timing mark `doctown:…` (the benchmark reads them). */
function mark(name: string): void {
	if (typeof performance !== 'undefined' && performance.mark) performance.mark(`doctown:${name}`);
}

function mb(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Opens a docpack from a URL or a file (see the top of this file). */
export function loadDocpack(source: LoadRequest, handlers: LoadHandlers = {}): Promise<Docpack> {
	if (typeof Worker === 'undefined') return loadHere(source);
	return new Promise<Docpack>((resolve, reject) => {
		const worker = new Worker(new URL('./load.worker.ts', import.meta.url), { type: 'module' });
		let failed = false;
		const fail = (error: Error) => {
			if (failed) return;
			failed = true;
			worker.terminate();
			reject(error);
		};
		const handle = messageHandler(worker, new DocpackAssembler(handlers), handlers, resolve, fail);
		// Once the module level is in, the rest waits (in order) until the map has painted.
		let held: WorkerMessage[] | null = null;
		worker.onerror = (e) => fail(new Error(`the docpack reader stopped: ${e.message}`));
		worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
			const m = event.data;
			if (held && m.type !== 'error') return void held.push(m);
			handle(m);
			if (m.type !== 'architecture') return;
			held = [];
			void afterPaint().then(() => {
				const list = held ?? [];
				held = null;
				list.forEach(handle);
			});
		};
		worker.postMessage(source);
	});
}

/** What the page needs of the reader's worker (a `Worker`, or in tests the worker's code on this thread). */
export interface ReaderPort {
	postMessage(message: PageMessage): void;
	terminate(): void;
}

/** What the page does with each message of the reader's worker. */
export function messageHandler(
	worker: ReaderPort,
	assembler: DocpackAssembler,
	handlers: LoadHandlers,
	resolve: (docpack: Docpack) => void,
	fail: (error: Error) => void
): (m: WorkerMessage) => void {
	let manifest: Manifest | null = null;
	let details: RemoteDetails | null = null;
	const safely = (f: () => void) => {
		try {
			f();
		} catch (e) {
			fail(e as Error);
		}
	};
	return (m) => {
		switch (m.type) {
			case 'manifest':
				manifest = m.manifest;
				assembler.manifest = m.manifest;
				handlers.onManifest?.(m.manifest);
				break;
			case 'architecture':
				assembler.architecture(m.architecture);
				break;
			case 'chunk':
				safely(() => {
					assembler.chunk(m.name, m.data);
					worker.postMessage({ type: 'consumed', bytes: m.data.length });
				});
				break;
			case 'symbols':
				safely(() => assembler.symbols(m.batch));
				break;
			case 'graph':
				assembler.graph(m.nodes, m.metrics, m.edges);
				break;
			case 'files':
				assembler.files(m.files);
				break;
			case 'search':
				assembler.search = m.search;
				break;
			case 'details':
				details?.receive(m.request, m.details);
				break;
			case 'verified':
				assembler.verified(m.name).catch((e) => fail(e as Error));
				break;
			case 'entry':
				assembler.add(m.name, m.data).catch((e) => fail(e as Error));
				break;
			case 'progress':
				handlers.onProgress?.(`Reading the docpack… ${mb(m.compressed)} in, ${mb(m.decompressed)} inflated and verified`);
				break;
			case 'done':
				// The worker stays: it holds the symbols' details.
				handlers.onProgress?.('Reading the symbols…');
				assembler
					.finish(manifest!, m.verification, (symbols) => {
						const ask = (request: number, indices: number[]) => worker.postMessage({ type: 'details', request, indices });
						return (details = new RemoteDetails(symbols, ask, () => worker.terminate()));
					})
					.then(resolve, fail);
				break;
			case 'error':
				fail(m.kind === 'network' ? new DownloadError(m.message, m.status) : new DocpackError(m.message, m.kind));
				break;
		}
	};
}

/** Resolves once the page has painted again (or after 250 ms, if it is not painting: a background tab). */
function afterPaint(): Promise<void> {
	if (typeof requestAnimationFrame === 'undefined') return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, 250);
		requestAnimationFrame(() =>
			setTimeout(() => {
				clearTimeout(timer);
				resolve();
			}, 0)
		);
	});
}

/** Without workers (tests, old browsers): everything at once, on this thread. */
async function loadHere(source: LoadRequest): Promise<Docpack> {
	let bytes: Uint8Array;
	if (source.url !== undefined) {
		const response = await fetch(source.url).catch((e) => {
			throw new DownloadError(`cannot download the docpack (${(e as Error).message})`);
		});
		if (!response.ok) throw new DownloadError(`HTTP ${response.status}`, response.status);
		bytes = new Uint8Array(await response.arrayBuffer());
	} else bytes = new Uint8Array(await source.file!.arrayBuffer());
	return readDocpack(bytes, BROWSER_LIMITS);
}
