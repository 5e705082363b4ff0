/**
 * Reading a docpack in the browser, as the spec (§6) asks: decompress with a
 * limit, read the tar strictly, check the format version, verify every
 * SHA-256 and the docpack id with WebCrypto, then parse the parts. A docpack
 * is returned only when everything verified.
 */

import { gunzip } from './gunzip';
import { readTar, type TarEntry } from './tar';
import { parseEmbeddings } from './embeddings';
import { absentHistory, parseHistory } from './history';
import type { Docpack, Manifest, WholeDocpack } from './types';

export const READER_MAJOR = 1;
export const READER_MINOR = 0;

export const REQUIRED = ['manifest.json', 'nodes.json', 'graph.json', 'clusters.json', 'source_map.json', 'docs.json'];
export const OPTIONAL = ['embeddings.bin', 'symbol_contexts.json', 'history.json'];

export interface ReadLimits {
	maxEntries: number;
	maxEntryBytes: number;
	/** All decompressed bytes, tar framing included. */
	maxTotalBytes: number;
}

/** Smaller than the CLI's defaults: a browser tab holds everything in memory. */
export const BROWSER_LIMITS: ReadLimits = {
	maxEntries: 10_000,
	maxEntryBytes: 1024 ** 3,
	maxTotalBytes: 1536 * 1024 ** 2
};

/** A docpack that could not be read; `kind` tells the UI what went wrong. */
export class DocpackError extends Error {
	constructor(
		message: string,
		/** `size`: larger than the reader's limits (a browser tab's: the server reads it instead). */
		readonly kind: 'format' | 'version' | 'checksum' | 'size'
	) {
		super(message);
		this.name = 'DocpackError';
	}
}

/** `docpack/MAJOR.MINOR` → numbers, or null. */
export function parseVersion(value: unknown): { major: number; minor: number } | null {
	const m = typeof value === 'string' ? /^docpack\/(\d+)\.(\d+)$/.exec(value) : null;
	return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/** The refusal message for another major version (null when readable). */
export function versionProblem(schemaVersion: unknown): string | null {
	const v = parseVersion(schemaVersion);
	if (!v) return `unrecognised docpack schema_version ${JSON.stringify(schemaVersion)} (expected docpack/${READER_MAJOR}.x)`;
	if (v.major > READER_MAJOR) {
		return `docpack format ${v.major}.${v.minor} is newer than this reader (${READER_MAJOR}.x); upgrade doctown`;
	}
	if (v.major < READER_MAJOR) {
		return `docpack format ${v.major}.${v.minor} is older than this reader (${READER_MAJOR}.x); regenerate the docpack`;
	}
	return null;
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
	const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
	const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function json<T>(entries: Map<string, Uint8Array>, name: string): T {
	try {
		return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(entries.get(name)!)) as T;
	} catch (e) {
		throw new DocpackError(`${name} is not valid JSON: ${(e as Error).message}`, 'format');
	}
}

/** Byte-wise order of names (what the spec sorts by). */
export function byteOrder(a: string, b: string): number {
	const x = new TextEncoder().encode(a);
	const y = new TextEncoder().encode(b);
	for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
	return x.length - y.length;
}

export async function readDocpack(file: Uint8Array, limits: ReadLimits = BROWSER_LIMITS): Promise<WholeDocpack> {
	let tarEntries: TarEntry[];
	let uncompressed: number;
	try {
		const tar = await gunzip(file, limits.maxTotalBytes);
		uncompressed = tar.length;
		tarEntries = readTar(tar, limits);
	} catch (e) {
		throw new DocpackError((e as Error).message, 'format');
	}
	const entries = new Map(tarEntries.map((e) => [e.name, e.data]));
	if (!entries.has('manifest.json')) throw new DocpackError('not a docpack: manifest.json is missing', 'format');

	const manifest = json<Manifest>(entries, 'manifest.json');
	const problem = versionProblem(manifest?.schema_version);
	if (problem) throw new DocpackError(problem, 'version');
	const { minor } = parseVersion(manifest.schema_version)!;

	const known = new Set([...REQUIRED, ...OPTIONAL]);
	const ignored: string[] = [];
	for (const name of entries.keys()) {
		if (known.has(name)) continue;
		if (minor > READER_MINOR && /^[a-z0-9_.-]+$/.test(name)) ignored.push(name);
		else throw new DocpackError(`unknown entry ${name} in a docpack/${READER_MAJOR}.${minor}`, 'format');
	}
	for (const name of REQUIRED) {
		if (!entries.has(name)) throw new DocpackError(`required part ${name} is missing`, 'format');
	}

	const checksum = manifest.checksum;
	if (checksum?.algorithm !== 'sha256') {
		throw new DocpackError(`unsupported checksum algorithm ${JSON.stringify(checksum?.algorithm)}`, 'checksum');
	}
	const listed = [...(checksum.entries ?? [])].sort((a, b) => byteOrder(a.name, b.name));
	const listedNames = new Set(listed.map((e) => e.name));
	for (const name of entries.keys()) {
		if (name !== 'manifest.json' && !listedNames.has(name)) {
			throw new DocpackError(`entry ${name} is not listed in the manifest's checksums`, 'checksum');
		}
	}
	for (const entry of listed) {
		const data = entries.get(entry.name);
		if (!data) throw new DocpackError(`the manifest lists ${entry.name}, which is not in the archive`, 'checksum');
		if (data.length !== entry.size) {
			throw new DocpackError(
				`size mismatch in ${entry.name}: manifest says ${entry.size} bytes, entry has ${data.length}`,
				'checksum'
			);
		}
		const actual = await sha256Hex(data);
		if (actual !== entry.sha256) {
			throw new DocpackError(
				`checksum mismatch in ${entry.name}: manifest says ${entry.sha256}, content hashes to ${actual}`,
				'checksum'
			);
		}
	}
	const id = await sha256Hex(listed.map((e) => `${e.sha256}  ${e.name}\n`).join(''));
	if (id !== checksum.value || id !== manifest.docpack_id) {
		throw new DocpackError(
			`docpack id mismatch: manifest says ${manifest.docpack_id}, contents hash to ${id}`,
			'checksum'
		);
	}

	const embeddingsBytes = entries.get('embeddings.bin');
	let embeddings = null;
	if (embeddingsBytes) {
		try {
			embeddings = parseEmbeddings(embeddingsBytes);
		} catch (e) {
			throw new DocpackError((e as Error).message, 'format');
		}
	}
	const parts = manifest.parts ?? { embeddings: false, symbol_contexts: false };
	if (Boolean(parts.embeddings) !== entries.has('embeddings.bin') || Boolean(parts.symbol_contexts) !== entries.has('symbol_contexts.json')) {
		throw new DocpackError("the manifest's parts disagree with the entries present", 'format');
	}

	return {
		manifest,
		symbols: json<{ symbols?: WholeDocpack['symbols'] }>(entries, 'nodes.json').symbols ?? [],
		graph: normaliseGraph(json<Docpack['graph']>(entries, 'graph.json')),
		clusters: json<{ clusters?: Docpack['clusters'] }>(entries, 'clusters.json').clusters ?? [],
		files: json<{ files?: Docpack['files'] }>(entries, 'source_map.json').files ?? [],
		docs: json<Docpack['docs']>(entries, 'docs.json') ?? {},
		embeddings,
		symbolContexts: entries.has('symbol_contexts.json')
			? (json<{ contexts?: Docpack['symbolContexts'] }>(entries, 'symbol_contexts.json').contexts ?? [])
			: null,
		history: entries.has('history.json') ? parseHistory(entries.get('history.json')!) : absentHistory(manifest.parts),
		verification: {
			docpackId: id,
			entries: listed.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256 })),
			ignored,
			compressedSize: file.length,
			uncompressedSize: uncompressed
		}
	};
}

function normaliseGraph(graph: Docpack['graph'] | null): Docpack['graph'] {
	return { nodes: graph?.nodes ?? [], edges: graph?.edges ?? [], metrics: graph?.metrics ?? {} };
}
