// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocpack } from '$lib/docpack/read';
import { buildArchitecture, type Architecture } from './modules';
import { guessRole, quickArchitecture } from './quick';
import { buildEntries } from '../../../tests/bench/make-docpack.mjs';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../tests/fixtures/${name}`, import.meta.url)));

/** What the map draws of an architecture: modules with sizes and roles, and dependencies. */
function drawn(arch: Architecture) {
	return {
		modules: arch.modules.map((m) => `${m.id} ${m.path} ${m.symbols} ${m.files} ${m.role}`).sort(),
		dependencies: arch.dependencies.map((d) => `${arch.modules[d.from].id}>${arch.modules[d.to].id} ${d.weight} ${JSON.stringify(d.kinds)}`).sort()
	};
}

async function compare(gz: Uint8Array) {
	const docpack = await readDocpack(gz);
	const quick = quickArchitecture(docpack.graph, docpack.docs);
	const full = buildArchitecture(docpack);
	return { quick: drawn(quick), full: drawn(full) };
}

describe('the module level from graph.json alone', () => {
	it('draws what the full docpack draws (layered-repo, built by the CLI)', async () => {
		const { quick, full } = await compare(fixture('layered.docpack'));
		expect(quick).toEqual(full);
		expect(full.dependencies).toHaveLength(7);
	});

	it('draws what the full docpack draws (the shop, built by the CLI)', async () => {
		const { quick, full } = await compare(fixture('shop.docpack'));
		expect(quick).toEqual(full);
	});

	it('draws what the full docpack draws (a synthetic docpack of 3,000 symbols)', async () => {
		const { entries: parts } = buildEntries(3000, { seed: 3 });
		const { gzipSync } = await import('node:zlib');
		const { tar } = await import('../../../tests/fixtures/docpack-node.mjs');
		const gz = new Uint8Array(gzipSync(tar(parts.map((p: { name: string; chunks: Buffer[] }) => ({ name: p.name, data: Buffer.concat(p.chunks) })))));
		const { quick, full } = await compare(gz);
		expect(full.dependencies.length).toBeGreaterThan(20);
		expect(quick).toEqual(full);
	});

	it('guesses roles from paths as the pipeline names them', () => {
		expect(guessRole('src/lib.rs')).toBe('source');
		expect(guessRole('tests/test_core.py')).toBe('test');
		expect(guessRole('pkg/server_test.go')).toBe('test');
		expect(guessRole('web/api.test.ts')).toBe('test');
		expect(guessRole('src/__tests__/x.js')).toBe('test');
		expect(guessRole('third_party/zlib/inflate.c')).toBe('vendored');
		expect(guessRole('tests/fixtures/data.py')).toBe('fixture');
		expect(guessRole('examples/demo.rs')).toBe('example');
		expect(guessRole('benches/parse.rs')).toBe('bench');
		expect(guessRole('docs/conf.py')).toBe('docs');
	});
});
