/**
 * Opening a docpack without freezing the page, whatever its size.
 *
 * A worker (`load.worker.ts`) downloads, inflates and verifies it entry by
 * entry; the page parses each verified entry as it arrives, in slices
 * between which it keeps answering (`json-slices.ts`). The module level
 * comes first: since format 1.4 `docs.json` states it (each module's code
 * and dependencies) and precedes `graph.json`, so the worker posts it as
 * soon as `docs.json` is verified (`architectureFromDocs`) — the first few
 * megabytes of the archive; for an older docpack it is computed from
 * `graph.json` once that is in (`quickArchitecture`), before the symbols
 * and the source map, most of the bytes. Either way the architecture map
 * shows while the rest arrives. The docpack is returned when every entry
 * is in and verified.
 *
 * Memory: the parsed docpack keeps what the explorer reads. Left out:
 * symbol nodes of graph.json (they repeat nodes.json), each symbol's
 * `words` (the server's search reads them, the browser does not), and the
 * source map's chunks when there are no embeddings (they serve only the
 * similar-symbols search); edges are held in columns (`edges.ts`) and
 * each file's path once.
 */

import { BROWSER_LIMITS, DocpackError, readDocpack } from './read';
import { parseEmbeddings } from './embeddings';
import { absentHistory, parseHistory, type HistoryPart } from './history';
import { parseObjectInSlices, SliceSink } from './json-slices';
import { quickArchitecture } from '$lib/architecture/quick';
import { architectureFromDocs, type Architecture } from '$lib/architecture/modules';
import type { Docpack, Docs, Edge, Graph, GraphNode, Manifest, SourceFile, SymbolNode, Verification } from './types';
import { EdgeTable } from './edges';

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
	| { type: 'error'; message: string; kind: 'format' | 'version' | 'checksum' | 'network'; status?: number };

/** The page's answer: it parsed this many more of the forwarded bytes (the reader goes on). */
export type PageMessage = { type: 'consumed'; bytes: number };

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

/** Drops each symbol's `words` (the last key of a symbol in canonical order) before parsing. */
const dropWords = (text: string) => text.replace(/,\n\s*"words": "(?:[^"\\\n]|\\.)*"/g, '');

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

	private sinks = new Map<string, { sink: SliceSink; table?: EdgeTable }>();

	/** More bytes of a part (not verified yet): parsed as far as they go. */
	chunk(name: string, data: Uint8Array): void {
		let entry = this.sinks.get(name);
		if (!entry) {
			mark(`first-chunk:${name}`);
			const table = name === 'graph.json' ? new EdgeTable() : undefined;
			entry = { sink: new SliceSink(this.arraysOf(name, table), { rewrite: name === 'nodes.json' ? dropWords : undefined }), table };
			this.sinks.set(name, entry);
		}
		try {
			entry.sink.push(data);
		} catch (e) {
			throw new DocpackError(`${name} is not valid JSON: ${(e as Error).message}`, 'format');
		}
	}

	/** A part sent in chunks is complete and verified. */
	verified(name: string): Promise<void> {
		mark(`entry:${name}`);
		const entry = this.sinks.get(name) ?? { sink: new SliceSink(this.arraysOf(name, name === 'graph.json' ? new EdgeTable() : undefined)) };
		this.sinks.delete(name);
		this.queue = this.queue.then(async () => {
			let value: Record<string, unknown>;
			try {
				value = await entry.sink.finish();
			} catch (e) {
				throw new DocpackError(`${name} is not valid JSON: ${(e as Error).message}`, 'format');
			}
			this.assign(name, value, entry.table);
			mark(`parsed:${name}`);
			this.architectureWhenReady();
		});
		return this.queue;
	}

	/** What to keep of each element of a part's big arrays. */
	private arraysOf(name: string, table?: EdgeTable): Record<string, true | ((x: unknown) => unknown)> {
		switch (name) {
			case 'graph.json':
				// Edges go straight into columns; the objects JSON.parse makes die young.
				return { edges: (e) => void table!.add(e as Edge), nodes: (n) => ((n as GraphNode).kind === 'symbol' ? undefined : n) };
			case 'nodes.json': {
				// Each file's path once, not once per symbol.
				const paths = new Map<string, string>();
				return {
					symbols: (x) => {
						const s = x as SymbolNode;
						const path = paths.get(s.path);
						if (path === undefined) paths.set(s.path, s.path);
						else s.path = path;
						return s;
					}
				};
			}
			case 'source_map.json':
				// Chunks serve the embeddings (similar symbols) only: without them, they are left out.
				return this.manifest && !this.manifest.parts?.embeddings ? { files: (f) => ({ ...(f as SourceFile), chunks: [] }) } : { files: true };
			case 'clusters.json':
				return { clusters: true };
			case 'symbol_contexts.json':
				return { contexts: true };
			default:
				return {};
		}
	}

	private assign(name: string, value: Record<string, unknown>, table?: EdgeTable): void {
		switch (name) {
			case 'graph.json':
				this.parts.graph = { nodes: (value.nodes as GraphNode[]) ?? [], edges: table ?? EdgeTable.of((value.edges as Edge[]) ?? []), metrics: (value.metrics as Graph['metrics']) ?? {} };
				break;
			case 'nodes.json':
				this.parts.symbols = (value.symbols as Docpack['symbols']) ?? [];
				break;
			case 'source_map.json':
				this.parts.files = (value.files as Docpack['files']) ?? [];
				break;
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
				case 'graph.json': {
					// Edges go straight into columns; the objects JSON.parse makes die young.
					const table = new EdgeTable();
					const graph = await json<Graph>({
						edges: (e) => void table.add(e as Edge),
						nodes: (n) => ((n as GraphNode).kind === 'symbol' ? undefined : n)
					});
					this.parts.graph = { nodes: graph.nodes ?? [], edges: table, metrics: graph.metrics ?? {} };
					break;
				}
				case 'nodes.json':
					this.parts.symbols = (await json<{ symbols?: Docpack['symbols'] }>({ symbols: true }, { rewrite: dropWords })).symbols ?? [];
					break;
				case 'source_map.json':
					this.parts.files = (await json<{ files?: Docpack['files'] }>({ files: true })).files ?? [];
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

	async finish(manifest: Manifest, verification: Verification): Promise<Docpack> {
		await this.queue;
		const p = this.parts;
		return {
			manifest,
			symbols: p.symbols ?? [],
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

/** What the page does with each message of the reader's worker. */
function messageHandler(
	worker: Worker,
	assembler: DocpackAssembler,
	handlers: LoadHandlers,
	resolve: (docpack: Docpack) => void,
	fail: (error: Error) => void
): (m: WorkerMessage) => void {
	let manifest: Manifest | null = null;
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
				try {
					assembler.chunk(m.name, m.data);
				} catch (e) {
					fail(e as Error);
					break;
				}
				worker.postMessage({ type: 'consumed', bytes: m.data.length } satisfies PageMessage);
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
				worker.terminate();
				handlers.onProgress?.('Reading the symbols…');
				assembler.finish(manifest!, m.verification).then(resolve, fail);
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
