/**
 * The module level of a docpack from `graph.json` and `docs.json` alone —
 * what the architecture map shows while the rest (most of the bytes:
 * `nodes.json`, `source_map.json`) is still arriving.
 *
 * graph.json says which file holds each symbol (`contains` edges, members
 * through their parent), which module holds each file, and every
 * dependency; the module level is then what `buildArchitecture` makes of
 * the docpack with symbols known only by id and files only by path. Not
 * known yet: lines, languages, central symbols, clusters — and the files'
 * roles, guessed from their paths by the pipeline's rules (`guessRole`)
 * until the source map says. The full docpack replaces it.
 */

import type { Docs, FileRole, Graph } from '$lib/docpack/types';
import { buildArchitecture, type Architecture } from './modules';

/** Directory names that give a role, as the pipeline's `file_role` reads them (`common/extract/src/roles.rs`). */
const DIR_ROLES: Record<string, FileRole> = {
	vendor: 'vendored',
	vendored: 'vendored',
	third_party: 'vendored',
	'third-party': 'vendored',
	node_modules: 'vendored',
	fixtures: 'fixture',
	fixture: 'fixture',
	__fixtures__: 'fixture',
	testdata: 'fixture',
	test_data: 'fixture',
	tests: 'test',
	test: 'test',
	__tests__: 'test',
	spec: 'test',
	e2e: 'test',
	examples: 'example',
	example: 'example',
	samples: 'example',
	benches: 'bench',
	bench: 'bench',
	benchmarks: 'bench',
	benchmark: 'bench',
	docs: 'docs',
	doc: 'docs'
};

const TEST_SUFFIXES = ['_test', '_spec', '_unittest', 'Test', 'Tests', 'Spec', 'IT', 'Suite'];

/** `is_test_file` of roles.rs, with the language told by the extension. */
function isTestName(name: string): boolean {
	const stem = name.split('.')[0];
	const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
	if (ext === 'py') return stem.startsWith('test_') || stem.endsWith('_test') || stem === 'conftest';
	if (ext === 'go') return stem.endsWith('_test');
	if (ext === 'rs') return false;
	if (['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'mts', 'cts'].includes(ext)) {
		const parts = name.split('.');
		return parts.length > 2 && ['test', 'spec'].includes(parts[parts.length - 2]);
	}
	return stem.startsWith('test_') || TEST_SUFFIXES.some((s) => stem.length > s.length && stem.endsWith(s));
}

/**
 * A file's role from its path, by the pipeline's rules (`file_role` in
 * roles.rs) except one: it cannot read the file's header, so generated
 * code is not told apart. The full docpack says.
 */
export function guessRole(path: string): FileRole {
	const parts = path.split('/');
	const name = parts.pop() ?? path;
	const roles = parts
		.map((d, depth) => {
			const role = DIR_ROLES[d.toLowerCase()];
			return role === 'docs' && depth > 0 ? undefined : role;
		})
		.filter((r) => r !== undefined);
	if (roles.includes('vendored')) return 'vendored';
	if (roles.includes('fixture')) return 'fixture';
	const innermost = roles[roles.length - 1];
	if (isTestName(name)) return innermost === 'bench' ? 'bench' : 'test';
	return innermost ?? 'source';
}

/** The module level from the graph and the docs (see the top of this file). */
export function quickArchitecture(graph: Pick<Graph, 'nodes' | 'edges'>, docs: Docs): Architecture {
	return buildArchitecture({ symbols: [], files: [], graph: { nodes: graph.nodes, edges: graph.edges }, docs, clusters: [] }, { guessRole });
}
