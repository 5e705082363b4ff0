/**
 * The strict ustar reader of `tar.ts`, fed in chunks as the archive is
 * decompressed: entries come out as soon as their last byte is in, and no
 * more than one entry is held at a time. Same rules: flat regular files
 * only, checked headers and names, no duplicates, nothing but ≤ 1 MiB of
 * zero padding after the end-of-archive blocks.
 */

import {
	BLOCK,
	MAX_TRAILING_ZEROS,
	checkName,
	cString,
	octal,
	type TarEntry,
	type TarLimits
} from './tar';

/** Entries the reader takes in chunks instead of whole. */
export interface TarStreaming {
	/** Whether this entry is streamed (asked when its header is read). */
	stream(name: string, size: number): boolean;
	/** The next bytes of a streamed entry (a view: copy what you keep). */
	chunk(name: string, bytes: Uint8Array): void;
	/** A streamed entry's last byte is in (before the next entry starts). */
	end(name: string, size: number): void;
}

export class TarStream {
	private header = new Uint8Array(BLOCK);
	private headerFill = 0;
	private entry: { name: string; data: Uint8Array; fill: number } | null = null;
	/** A streamed entry being read: its size, and how much of it is in. */
	private streamed: { name: string; size: number; fill: number } | null = null;
	private padding = 0;
	/** Bytes from the first end-of-archive block on (all zero), or -1 before it. */
	private trailing = -1;
	private readonly seen = new Set<string>();

	constructor(
		private readonly limits: TarLimits,
		private readonly streaming?: TarStreaming
	) {}

	/** Takes the next bytes of the archive; returns the entries they complete. */
	push(chunk: Uint8Array): TarEntry[] {
		const out: TarEntry[] = [];
		let at = 0;
		while (at < chunk.length) {
			if (this.trailing >= 0) {
				for (; at < chunk.length; at++) if (chunk[at] !== 0) throw new Error('unexpected data after the end of the tar archive');
				this.trailing += chunk.length;
				if (this.trailing > 2 * BLOCK + MAX_TRAILING_ZEROS) throw new Error('unexpected data after the end of the tar archive');
				break;
			}
			if (this.streamed) {
				const e = this.streamed;
				const take = Math.min(e.size - e.fill, chunk.length - at);
				this.streaming!.chunk(e.name, chunk.subarray(at, at + take));
				e.fill += take;
				at += take;
				if (e.fill === e.size) {
					this.streaming!.end(e.name, e.size);
					out.push({ name: e.name, data: new Uint8Array(0), streamed: e.size });
					this.padding = (BLOCK - (e.size % BLOCK)) % BLOCK;
					this.streamed = null;
				}
				continue;
			}
			if (this.entry) {
				const take = Math.min(this.entry.data.length - this.entry.fill, chunk.length - at);
				this.entry.data.set(chunk.subarray(at, at + take), this.entry.fill);
				this.entry.fill += take;
				at += take;
				if (this.entry.fill === this.entry.data.length) {
					out.push({ name: this.entry.name, data: this.entry.data });
					this.padding = (BLOCK - (this.entry.data.length % BLOCK)) % BLOCK;
					this.entry = null;
				}
				continue;
			}
			if (this.padding > 0) {
				const skip = Math.min(this.padding, chunk.length - at);
				this.padding -= skip;
				at += skip;
				continue;
			}
			const take = Math.min(BLOCK - this.headerFill, chunk.length - at);
			this.header.set(chunk.subarray(at, at + take), this.headerFill);
			this.headerFill += take;
			at += take;
			if (this.headerFill < BLOCK) continue;
			this.headerFill = 0;
			const entry = this.startEntry(this.header);
			if (entry && 'size' in entry) this.streamed = entry;
			else if (entry && entry.data.length === 0) out.push({ name: entry.name, data: entry.data });
			else if (entry) this.entry = entry;
		}
		return out;
	}

	/** The entry being read, and how many of its bytes are in. */
	partial(): { name: string; data: Uint8Array; fill: number } | null {
		return this.entry;
	}

	/** The archive ended: it must have had its end-of-archive blocks. */
	finish(): void {
		const open = this.entry ?? this.streamed;
		if (open) throw new Error(`truncated tar: entry ${open.name} is cut short`);
		if (this.trailing < 0) throw new Error('truncated tar: the end-of-archive blocks are missing');
	}

	private startEntry(header: Uint8Array): { name: string; data: Uint8Array; fill: number } | { name: string; size: number; fill: number } | null {
		if (header.every((b) => b === 0)) {
			this.trailing = BLOCK;
			return null;
		}
		let sum = 0;
		for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
		if (sum !== octal(header.subarray(148, 156), 'checksum')) throw new Error('corrupt tar header: checksum mismatch');
		const type = String.fromCharCode(header[156] || 0x30);
		const prefix = cString(header.subarray(345, 500));
		const name = (prefix ? `${prefix}/` : '') + cString(header.subarray(0, 100));
		if (type !== '0') throw new Error(`tar entry ${name} is not a regular file (type ${JSON.stringify(type)})`);
		checkName(name);
		if (this.seen.has(name)) throw new Error(`duplicate tar entry ${name}`);
		this.seen.add(name);
		if (this.seen.size > this.limits.maxEntries) throw new Error(`too many entries (limit ${this.limits.maxEntries})`);
		const size = octal(header.subarray(124, 136), 'size');
		if (size > this.limits.maxEntryBytes) throw new Error(`entry ${name} declares ${size} bytes, over the limit`);
		if (size > 0 && this.streaming?.stream(name, size)) return { name, size, fill: 0 };
		return { name, data: new Uint8Array(size), fill: 0 };
	}
}
