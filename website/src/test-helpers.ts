// Test helpers: the fixture docpack as a model, without going through the reader.
import { smallFixture } from '../tests/fixtures/fixtures.mjs';
import { DocpackModel } from '$lib/docpack/model';
import type { Docpack } from '$lib/docpack/types';

export function fixtureModel(): DocpackModel {
	// The fixture is untyped JavaScript; its shapes follow the docpack types.
	const { parts, manifest, id, bytes } = smallFixture() as any;
	const rows = [...parts.embeddings.rows].sort((a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1));
	const dims: number = parts.embeddings.dims;
	const vectors = new Float32Array(rows.length * dims);
	rows.forEach((r: { vector: number[] }, i: number) => vectors.set(r.vector, i * dims));
	const docpack: Docpack = {
		manifest,
		symbols: parts.nodes.symbols,
		graph: parts.graph,
		clusters: parts.clusters.clusters,
		files: parts.source_map.files,
		docs: parts.docs,
		embeddings: { dims, ids: rows.map((r: { id: string }) => r.id), vectors },
		symbolContexts: parts.symbol_contexts.contexts,
		verification: { docpackId: id, entries: manifest.checksum.entries, ignored: [], compressedSize: bytes.length, uncompressedSize: 0 }
	};
	return new DocpackModel(docpack);
}
