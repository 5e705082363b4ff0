import { describe, expect, it } from 'vitest';
import { fixtureModel } from '../../test-helpers';
import { buildTree, visibleRows } from './tree';
import { sourceLink } from './links';

describe('DocpackModel', () => {
	const model = fixtureModel();
	const id = (name: string) => model.docpack.symbols.find((s) => s.qualified_name === name)!.id;

	it('indexes calls in both directions', () => {
		const handle = id('kv::server::handle_request');
		expect(model.neighbours(handle, ['calls'], 'out').map((n) => n.symbol.name).sort()).toEqual(['delete', 'get', 'parse_command', 'put']);
		expect(model.neighbours(id('kv::wal::Wal::append'), ['calls'], 'in').map((n) => n.symbol.name).sort()).toEqual(['compact', 'delete', 'put']);
		expect(model.neighbours(id('kv::Store::get'), ['related'], 'both').map((n) => n.symbol.qualified_name)).toEqual(['client.Client.get']);
	});

	it('searches by name, best match first', () => {
		expect(model.search('get').map((s) => s.qualified_name).slice(0, 2).sort()).toEqual(['client.Client.get', 'kv::Store::get']);
		expect(model.search('retry')[0].name).toBe('with_retry');
		expect(model.search('client.py').length).toBeGreaterThan(0);
		expect(model.search('  ')).toEqual([]);
	});

	it('finds similar symbols from embeddings, mostly within the cluster', () => {
		const similar = model.similar(id('kv::wal::Wal::append'), 4);
		expect(similar).toHaveLength(4);
		expect(similar[0].score).toBeGreaterThanOrEqual(similar[3].score);
		expect(similar.filter((s) => s.symbol.cluster === 'c1').length).toBeGreaterThanOrEqual(3);
	});

	it('ranks centrality', () => {
		expect(model.centralityRank(id('client.retry.with_retry'))).toBe(1);
	});
});

describe('file tree', () => {
	const tree = buildTree(
		[
			{ path: 'src/lib.rs', language: 'rust' },
			{ path: 'src/net/server.rs', language: 'rust' },
			{ path: 'README.py', language: 'python' }
		],
		new Map([
			['src/lib.rs', 3],
			['src/net/server.rs', 2]
		])
	);

	it('nests directories first and sums symbols', () => {
		expect(tree.children.map((c) => c.name)).toEqual(['src', 'README.py']);
		const src = tree.children[0];
		expect(src).toMatchObject({ kind: 'dir', files: 2, symbols: 5 });
		expect(tree).toMatchObject({ files: 3, symbols: 5 });
	});

	it('shows only expanded directories', () => {
		expect(visibleRows(tree, new Set()).map((r) => r.node.path)).toEqual(['src', 'README.py']);
		expect(visibleRows(tree, new Set(['src', 'src/net'])).map((r) => [r.node.path, r.depth])).toEqual([
			['src', 0],
			['src/net', 1],
			['src/net/server.rs', 2],
			['src/lib.rs', 1],
			['README.py', 0]
		]);
	});
});

describe('source links', () => {
	const range = { start_byte: 0, end_byte: 10, start_line: 12, end_line: 20 };
	it('links to the exact commit on GitHub', () => {
		expect(sourceLink({ name: 'r', repo_url: 'https://github.com/o/r', commit: 'abc123' }, { path: 'src/a b.rs', range })).toBe(
			'https://github.com/o/r/blob/abc123/src/a%20b.rs#L12-L20'
		);
	});
	it('keeps a /tree/ subpath and falls back to the ref', () => {
		expect(sourceLink({ name: 'r', repo_url: 'https://github.com/o/r/tree/main/pkg', ref: 'main' }, { path: 'a.go', range: { ...range, end_line: 12 } })).toBe(
			'https://github.com/o/r/blob/main/pkg/a.go#L12'
		);
	});
	it('has no link for local sources', () => {
		expect(sourceLink({ name: 'r', repo_url: '/home/me/r', commit: 'abc' }, { path: 'a.rs', range })).toBeNull();
	});
});
