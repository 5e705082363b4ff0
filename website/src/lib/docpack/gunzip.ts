/**
 * Gzip decompression in the browser (DecompressionStream), counting bytes as
 * they are produced so that a decompression bomb stops at the limit.
 */

export class LimitError extends Error {}

/**
 * Stops a decompressed stream that is refused part way. Node's
 * DecompressionStream (the tests' runtime) throws an uncatchable
 * ERR_INVALID_STATE when it is cancelled while its zlib stream has a resume
 * queued: the queued data is enqueued on the cancelled stream
 * (nodejs/node#54205, #64529). One task's wait lets the queued callbacks run
 * while the stream is still open; browsers lose nothing but that task, on a
 * path that ends in an error.
 */
export async function cancelDecompression(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, 0));
	await reader.cancel().catch(() => {});
}

export async function gunzip(data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
	if (data.length < 18 || data[0] !== 0x1f || data[1] !== 0x8b) {
		throw new Error('not a docpack: the file is not gzip-compressed');
	}
	const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
	const reader = stream.getReader();
	const parts: Uint8Array[] = [];
	let total = 0;
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) break;
			total += value.length;
			if (total > maxBytes) {
				await cancelDecompression(reader);
				throw new LimitError(`docpack expands past ${maxBytes} bytes: refused (decompression limit)`);
			}
			parts.push(value);
		}
	} catch (e) {
		if (e instanceof LimitError) throw e;
		throw new Error(`corrupt docpack: gzip stream is damaged (${(e as Error).message})`);
	}
	const out = new Uint8Array(total);
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
