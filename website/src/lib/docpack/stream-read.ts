/**
 * Reading a docpack as it arrives (spec §6, for a stream): decompressed
 * with a byte limit, the tar read strictly, the manifest's format version
 * checked and its listing hashed into the docpack id as soon as it is in
 * (it is the first entry; entries before it wait for it), then every entry
 * checked against the manifest — listed, its size, its SHA-256 — before it
 * is handed on. At the end: every listed entry was there, every required
 * part, and the manifest's parts agree. An entry is handed on only once
 * verified; the whole docpack is verified when the promise resolves.
 */

import { cancelDecompression } from './gunzip';
import { TarStream } from './stream-tar';
import { createSHA256, type IHasher } from 'hash-wasm';
import {
	BROWSER_LIMITS,
	DocpackError,
	OPTIONAL,
	READER_MAJOR,
	READER_MINOR,
	REQUIRED,
	byteOrder,
	parseVersion,
	sha256Hex,
	versionProblem,
	type ReadLimits
} from './read';
import type { EntryChecksum, Manifest, Verification } from './types';

export interface StreamHandlers {
	onManifest?(manifest: Manifest): void;
	/** A verified entry (the manifest excepted), in archive order. */
	onEntry(name: string, data: Uint8Array): void | Promise<void>;
	/** Bytes read so far: compressed, and decompressed. */
	onProgress?(compressed: number, decompressed: number): void;
	/**
	 * The entry being read, not verified yet, with how many of its bytes are
	 * in (to start on it early; nothing of it may be shown before `onEntry`).
	 */
	onPartial?(name: string, data: Uint8Array, filled: number): void;
	/** Awaited between chunks of the archive (to slow the reader down). */
	onDrain?(): Promise<void> | void;
	/**
	 * Whether to take this entry in chunks, hashed as they come, instead of
	 * whole (asked once the manifest is in). Its bytes go to `onChunk`, not
	 * verified yet; `onStreamed` says when they are.
	 */
	stream?(name: string, size: number): boolean;
	onChunk?(name: string, bytes: Uint8Array): void;
	/** A streamed entry's last chunk was handed out (it is not verified yet; the next entry may follow at once). */
	onChunksEnd?(name: string): void;
	onStreamed?(name: string, size: number): void | Promise<void>;
}

export async function readDocpackStream(
	source: ReadableStream<Uint8Array>,
	handlers: StreamHandlers,
	limits: ReadLimits = BROWSER_LIMITS
): Promise<{ manifest: Manifest; verification: Verification }> {
	let compressed = 0;
	let head = new Uint8Array(0);
	const counted = source.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				if (head.length < 2) {
					const joined = new Uint8Array(head.length + Math.min(2, chunk.length));
					joined.set(head);
					joined.set(chunk.subarray(0, joined.length - head.length), head.length);
					head = joined;
					if (head.length >= 2 && (head[0] !== 0x1f || head[1] !== 0x8b)) {
						throw new DocpackError('not a docpack: the file is not gzip-compressed', 'format');
					}
				}
				compressed += chunk.length;
				controller.enqueue(chunk);
			}
		})
	);
	const reader = counted.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
	// Streamed entries are hashed chunk by chunk (WebCrypto hashes whole buffers only).
	const hasher: IHasher | null = handlers.stream ? await createSHA256() : null;
	const digests = new Map<string, string>();
	const tar = new TarStream(limits, {
		stream: (name, size) => {
			if (!manifest || !hasher || !handlers.stream?.(name, size)) return false;
			check(name, size);
			hasher.init();
			return true;
		},
		chunk: (name, bytes) => {
			hasher!.update(bytes);
			handlers.onChunk?.(name, bytes);
		},
		end: (name) => {
			digests.set(name, hasher!.digest('hex'));
			handlers.onChunksEnd?.(name);
		}
	});
	let decompressed = 0;
	let manifest: Manifest | null = null;
	let expected: Map<string, EntryChecksum> | null = null;
	let listed: EntryChecksum[] = [];
	let docpackId = '';
	const pending: { name: string; data: Uint8Array }[] = [];
	const seen = new Set<string>();
	const ignored: string[] = [];
	const known = new Set([...REQUIRED, ...OPTIONAL]);

	const acceptManifest = async (data: Uint8Array) => {
		let parsed: Manifest;
		try {
			parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as Manifest;
		} catch (e) {
			throw new DocpackError(`manifest.json is not valid JSON: ${(e as Error).message}`, 'format');
		}
		const problem = versionProblem(parsed?.schema_version);
		if (problem) throw new DocpackError(problem, 'version');
		const checksum = parsed.checksum;
		if (checksum?.algorithm !== 'sha256') {
			throw new DocpackError(`unsupported checksum algorithm ${JSON.stringify(checksum?.algorithm)}`, 'checksum');
		}
		listed = [...(checksum.entries ?? [])].sort((a, b) => byteOrder(a.name, b.name));
		const tooLarge = tooLargeForTab(parsed, limits);
		if (tooLarge) throw new DocpackError(tooLarge, 'size');
		expected = new Map(listed.map((e) => [e.name, e]));
		docpackId = await sha256Hex(listed.map((e) => `${e.sha256}  ${e.name}\n`).join(''));
		if (docpackId !== checksum.value || docpackId !== parsed.docpack_id) {
			throw new DocpackError(`docpack id mismatch: manifest says ${parsed.docpack_id}, contents hash to ${docpackId}`, 'checksum');
		}
		manifest = parsed;
		handlers.onManifest?.(parsed);
	};

	/** An entry's name and size against the manifest (before its bytes are hashed). */
	const check = (name: string, size: number): EntryChecksum => {
		const { minor } = parseVersion(manifest!.schema_version)!;
		if (!known.has(name)) {
			if (minor > READER_MINOR && /^[a-z0-9_.-]+$/.test(name)) ignored.includes(name) || ignored.push(name);
			else throw new DocpackError(`unknown entry ${name} in a docpack/${READER_MAJOR}.${minor}`, 'format');
		}
		const entry = expected!.get(name);
		if (!entry) throw new DocpackError(`entry ${name} is not listed in the manifest's checksums`, 'checksum');
		if (size !== entry.size) {
			throw new DocpackError(`size mismatch in ${name}: manifest says ${entry.size} bytes, entry has ${size}`, 'checksum');
		}
		return entry;
	};

	const accept = async (name: string, data: Uint8Array) => {
		const entry = check(name, data.length);
		const actual = await sha256Hex(data);
		if (actual !== entry.sha256) {
			throw new DocpackError(`checksum mismatch in ${name}: manifest says ${entry.sha256}, content hashes to ${actual}`, 'checksum');
		}
		seen.add(name);
		if (!ignored.includes(name)) await handlers.onEntry(name, data);
	};

	const acceptStreamed = async (name: string, size: number) => {
		const entry = expected!.get(name)!;
		const actual = digests.get(name)!;
		digests.delete(name);
		if (actual !== entry.sha256) {
			throw new DocpackError(`checksum mismatch in ${name}: manifest says ${entry.sha256}, content hashes to ${actual}`, 'checksum');
		}
		seen.add(name);
		if (!ignored.includes(name)) await handlers.onStreamed?.(name, size);
	};

	try {
		for (;;) {
			let chunk: ReadableStreamReadResult<Uint8Array>;
			try {
				chunk = await reader.read();
			} catch (e) {
				if (e instanceof DocpackError) throw e;
				throw new DocpackError(`corrupt docpack: gzip stream is damaged (${(e as Error).message})`, 'format');
			}
			if (chunk.done) break;
			decompressed += chunk.value.length;
			if (decompressed > limits.maxTotalBytes) {
				throw new DocpackError(`docpack expands past ${limits.maxTotalBytes} bytes: refused (decompression limit)`, 'format');
			}
			let entries;
			try {
				entries = tar.push(chunk.value);
			} catch (e) {
				if (e instanceof DocpackError) throw e;
				throw new DocpackError((e as Error).message, 'format');
			}
			handlers.onProgress?.(compressed, decompressed);
			const partial = handlers.onPartial && tar.partial();
			if (partial) handlers.onPartial!(partial.name, partial.data, partial.fill);
			for (const e of entries) {
				if (e.streamed !== undefined) await acceptStreamed(e.name, e.streamed);
				else if (e.name === 'manifest.json') {
					await acceptManifest(e.data);
					for (const p of pending.splice(0)) await accept(p.name, p.data);
				} else if (manifest) await accept(e.name, e.data);
				else pending.push(e);
			}
			await handlers.onDrain?.();
		}
		if (compressed < 18) throw new DocpackError('not a docpack: the file is not gzip-compressed', 'format');
		try {
			tar.finish();
		} catch (e) {
			throw new DocpackError((e as Error).message, 'format');
		}
	} catch (e) {
		await cancelDecompression(reader);
		throw e;
	}
	if (!manifest) throw new DocpackError('not a docpack: manifest.json is missing', 'format');
	const m = manifest as Manifest;
	for (const name of REQUIRED) {
		if (name !== 'manifest.json' && !seen.has(name)) throw new DocpackError(`required part ${name} is missing`, 'format');
	}
	for (const entry of listed) {
		if (!seen.has(entry.name)) throw new DocpackError(`the manifest lists ${entry.name}, which is not in the archive`, 'checksum');
	}
	const parts = m.parts ?? { embeddings: false, symbol_contexts: false };
	if (Boolean(parts.embeddings) !== seen.has('embeddings.bin') || Boolean(parts.symbol_contexts) !== seen.has('symbol_contexts.json')) {
		throw new DocpackError("the manifest's parts disagree with the entries present", 'format');
	}
	return {
		manifest: m,
		verification: {
			docpackId,
			entries: listed.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256 })),
			ignored,
			compressedSize: compressed,
			uncompressedSize: decompressed
		}
	};
}

/**
 * Why a browser tab does not read this docpack — its listed entries pass the limits — or null when it fits:
 * the message names the limit, the docpack's symbols and the readers that take more.
 */
export function tooLargeForTab(manifest: Manifest, limits: ReadLimits = BROWSER_LIMITS): string | null {
	const sizes = (manifest.checksum?.entries ?? []).map((e) => Number(e.size) || 0);
	const total = sizes.reduce((n, size) => n + size, 0);
	if (total <= limits.maxTotalBytes && sizes.every((size) => size <= limits.maxEntryBytes)) return null;
	const mib = (n: number) => `${Math.round(n / 1024 ** 2).toLocaleString('en-US')} MiB`;
	const symbols = Number(manifest.statistics?.symbols);
	const has = Number.isFinite(symbols) ? `${symbols.toLocaleString('en-US')} symbols, ` : '';
	return `this docpack (${has}${mib(total)} expanded) is larger than a browser tab reads (${mib(limits.maxTotalBytes)}, about 680,000 symbols): refused (decompression limit); doctown serve reads any size from a local store, and so does doctown verify`;
}
