/**
 * A small, strict ustar reader for docpacks: flat regular files only, no
 * links or extension headers, no `..` or absolute names, no duplicates, and
 * nothing but zero padding after the end-of-archive blocks.
 */

export interface TarEntry {
	name: string;
	data: Uint8Array;
	/** Set for an entry read in chunks (`stream-tar.ts`): its size; `data` is then empty. */
	streamed?: number;
}

export interface TarLimits {
	maxEntries: number;
	maxEntryBytes: number;
}

export const BLOCK = 512;
/** Zero padding allowed after the end of the archive (spec §6). */
export const MAX_TRAILING_ZEROS = 1024 * 1024;

export function cString(bytes: Uint8Array): string {
	const end = bytes.indexOf(0);
	return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export function octal(bytes: Uint8Array, what: string): number {
	const text = cString(bytes).trim();
	if (!/^[0-7]*$/.test(text)) throw new Error(`corrupt tar header: bad ${what} field`);
	return text ? parseInt(text, 8) : 0;
}

function isZero(bytes: Uint8Array): boolean {
	for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
	return true;
}

export function checkName(name: string): void {
	if (!name) throw new Error('tar entry with an empty name');
	// eslint-disable-next-line no-control-regex
	if (/[\x00-\x1f\x7f]/.test(name)) throw new Error(`tar entry name has control characters: ${JSON.stringify(name)}`);
	if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) {
		throw new Error(`tar entry has an absolute path: ${name}`);
	}
	if (name.split('/').some((c) => c === '..' || c === '.' || c === '')) {
		throw new Error(`tar entry escapes the archive: ${name}`);
	}
	if (name.includes('/')) throw new Error(`docpack entries are flat; found ${name}`);
}

export function readTar(bytes: Uint8Array, limits: TarLimits): TarEntry[] {
	const entries: TarEntry[] = [];
	const seen = new Set<string>();
	let offset = 0;
	while (offset + BLOCK <= bytes.length) {
		const header = bytes.subarray(offset, offset + BLOCK);
		if (isZero(header)) {
			const rest = bytes.subarray(offset);
			if (rest.length > 2 * BLOCK + MAX_TRAILING_ZEROS || !isZero(rest)) {
				throw new Error('unexpected data after the end of the tar archive');
			}
			return entries;
		}
		let sum = 0;
		for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
		if (sum !== octal(header.subarray(148, 156), 'checksum')) throw new Error('corrupt tar header: checksum mismatch');
		const type = String.fromCharCode(header[156] || 0x30);
		const prefix = cString(header.subarray(345, 500));
		const name = (prefix ? `${prefix}/` : '') + cString(header.subarray(0, 100));
		if (type !== '0') throw new Error(`tar entry ${name} is not a regular file (type ${JSON.stringify(type)})`);
		checkName(name);
		if (seen.has(name)) throw new Error(`duplicate tar entry ${name}`);
		seen.add(name);
		if (entries.length >= limits.maxEntries) throw new Error(`too many entries (limit ${limits.maxEntries})`);
		const size = octal(header.subarray(124, 136), 'size');
		if (size > limits.maxEntryBytes) throw new Error(`entry ${name} declares ${size} bytes, over the limit`);
		const start = offset + BLOCK;
		if (start + size > bytes.length) throw new Error(`truncated tar: entry ${name} is cut short`);
		entries.push({ name, data: bytes.subarray(start, start + size) });
		offset = start + Math.ceil(size / BLOCK) * BLOCK;
	}
	throw new Error('truncated tar: the end-of-archive blocks are missing');
}
