// @vitest-environment node
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readDocpack } from '$lib/docpack/read';
import { DocpackAssembler } from '$lib/docpack/load';
import { EdgeTable } from '$lib/docpack/edges';
import type { Docpack, Docs } from '$lib/docpack/types';
import { architectureFromDocs, architectureOf, buildArchitecture, buildArchitectureInSlices, hasModuleLevel, type Architecture } from './modules';
import { buildEntries } from '../../../tests/bench/make-docpack.mjs';
import { tar } from '../../../tests/fixtures/docpack-node.mjs';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../tests/fixtures/${name}`, import.meta.url)));

/** A synthetic docpack of `n` symbols, as make-docpack.mjs writes it (the benchmark's). */
function synthetic(n: number, seed: number): Uint8Array {
	const { entries } = buildEntries(n, { seed });
	return new Uint8Array(gzipSync(tar(entries.map((p: { name: string; chunks: Buffer[] }) => ({ name: p.name, data: Buffer.concat(p.chunks) })))));
}

/** What the map draws of an architecture: modules with sizes and roles, and dependencies with their kinds. */
function drawn(arch: Architecture) {
	return {
		modules: arch.modules.map((m) => `${m.id} ${m.path} ${m.symbols} symbols ${m.files} files ${m.lines} lines ${m.role}`),
		dependencies: arch.dependencies.map((d) => `${arch.modules[d.from].id}>${arch.modules[d.to].id} ${d.weight}: ${d.kinds.calls ?? 0} calls, ${d.kinds.imports ?? 0} imports`)
	};
}

/** The docs as a docpack older than 1.4 has them: no module level. */
function withoutLevel(docs: Docs): Docs {
	return { ...docs, modules: docs.modules?.map(({ code: _c, dependencies: _d, ...m }) => m) };
}

/** The module level the website counts from the whole docpack, ignoring what docs.json states. */
const counted = (docpack: Docpack) => buildArchitecture({ ...docpack, docs: withoutLevel(docpack.docs) });

describe('the module level docs.json states (format 1.4)', () => {
	for (const name of ['layered.docpack', 'shop.docpack']) {
		it(`is what the website counts from the whole docpack (${name}, written by the Rust writer)`, async () => {
			const docpack = await readDocpack(fixture(name));
			expect(hasModuleLevel(docpack.docs)).toBe(true);
			const stated = architectureFromDocs(docpack.docs)!;
			expect(drawn(stated)).toEqual(drawn(counted(docpack)));
			expect(drawn(buildArchitecture(docpack))).toEqual(drawn(stated));
		});
	}

	it('draws layered-repo’s layers, the cycle and the test module from docs.json alone', async () => {
		const { docs } = await readDocpack(fixture('layered.docpack'));
		const arch = architectureFromDocs(docs)!;
		const deps = arch.dependencies.map((d) => `${arch.modules[d.from].name}→${arch.modules[d.to].name}`).sort();
		expect(deps).toEqual(['api→core', 'app→api', 'cache→storage', 'core→storage', 'core→util', 'storage→cache', 'storage→util']);
		const app = arch.dependencies.find((d) => arch.modules[d.from].name === 'app')!;
		expect(app.kinds).toEqual({ calls: 1, imports: 1 });
		expect(arch.modules.find((m) => m.name === 'tests')?.role).toBe('test');
		expect(arch.summary?.summary).toBeTruthy();
	});

	it('is what the Rust writer would state for a synthetic docpack (make-docpack.mjs)', async () => {
		const docpack = await readDocpack(synthetic(4000, 11));
		expect(docpack.manifest.schema_version).toBe('docpack/1.4');
		const stated = architectureFromDocs(docpack.docs)!;
		expect(stated.dependencies.length).toBeGreaterThan(20);
		expect(stated.modules.some((m) => m.role === 'source') && stated.modules.every((m) => m.lines > 0)).toBe(true);
		expect(drawn(stated)).toEqual(drawn(counted(docpack)));
	});

	it('is absent from an older docpack, whose map is counted from the graph', async () => {
		const docpack = await readDocpack(fixture('layered.docpack'));
		const old = withoutLevel(docpack.docs);
		expect(hasModuleLevel(old)).toBe(false);
		expect(architectureFromDocs(old)).toBeNull();
		expect(architectureFromDocs({})).toBeNull();
		expect(counted(docpack).dependencies).toHaveLength(7);
	});

	it('is handed on as soon as docs.json is parsed, before graph.json', async () => {
		const docpack = await readDocpack(fixture('layered.docpack'));
		const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
		for (const [docs, expected] of [
			[docpack.docs, 1],
			[withoutLevel(docpack.docs), 0]
		] as const) {
			const handed: Architecture[] = [];
			const assembler = new DocpackAssembler({ onArchitecture: (a) => handed.push(a) });
			await assembler.add('docs.json', json(docs));
			expect(handed).toHaveLength(expected);
			// An older docpack's comes with the graph; a 1.4 docpack's is not sent twice.
			assembler.graph(docpack.graph.nodes, {}, EdgeTable.of(docpack.graph.edges).toColumns().columns);
			await assembler.verified('graph.json');
			expect(handed).toHaveLength(1);
			expect(drawn(handed[0]).dependencies).toEqual(drawn(buildArchitecture(docpack)).dependencies);
		}
	});

	it('from the worker, is handed on once', () => {
		const handed: Architecture[] = [];
		const assembler = new DocpackAssembler({ onArchitecture: (a) => handed.push(a) });
		const arch = architectureFromDocs({ modules: [{ id: 'module:a', name: 'a', documentation: { summary: '', source: 'facts' }, code: { symbols: 1, files: 1, lines: 3, role: 'source' }, dependencies: [] }] })!;
		assembler.architecture(arch);
		assembler.architecture(arch);
		expect(handed).toEqual([arch]);
	});
});

describe('the module level built in slices', () => {
	it('is what the whole build gives', async () => {
		const { entries } = buildEntries(60_000, { seed: 4 });
		const docpack = await readDocpack(new Uint8Array(gzipSync(tar(entries.map((p: { name: string; chunks: Buffer[] }) => ({ name: p.name, data: Buffer.concat(p.chunks) }))))));
		let pauses = 0;
		const sliced = await buildArchitectureInSlices(docpack, async () => void pauses++);
		expect(pauses).toBeGreaterThan(4);
		expect(sliced).toEqual(buildArchitecture(docpack));
		expect(architectureOf(docpack)).toBe(sliced);
	}, 120_000);
});
