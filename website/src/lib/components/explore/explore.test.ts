import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { fixtureModel } from '../../../test-helpers';
import FileTree from './FileTree.svelte';
import SymbolList from './SymbolList.svelte';
import SymbolDetail from './SymbolDetail.svelte';
import type { SymbolNode } from '$lib/docpack/types';

const model = fixtureModel();
const byName = (q: string) => model.docpack.symbols.find((s) => s.qualified_name === q)!;

describe('FileTree', () => {
	it('renders directories and files with symbol counts', () => {
		render(FileTree, { tree: model.tree, selected: null, onSelectFile: vi.fn() });
		const tree = screen.getByRole('tree', { name: 'Files' });
		const items = within(tree).getAllByRole('treeitem');
		expect(items.map((i) => i.dataset.path)).toEqual(['client', 'client/client.py', 'client/retry.py', 'src', 'src/lib.rs', 'src/server.rs', 'src/wal.rs']);
		expect(items[0]).toHaveAttribute('aria-expanded', 'true');
		expect(items[4]).toHaveTextContent(/lib\.rs\s*7/);
		expect(items[3]).toHaveTextContent(/src\s*16/);
	});

	it('selects files by click and navigates with the keyboard', async () => {
		const onSelectFile = vi.fn();
		render(FileTree, { tree: model.tree, selected: null, onSelectFile });
		await fireEvent.click(screen.getByText('retry.py'));
		expect(onSelectFile).toHaveBeenCalledWith('client/retry.py');

		const first = screen.getAllByRole('treeitem')[0];
		first.focus();
		await fireEvent.keyDown(first, { key: 'ArrowLeft' }); // collapse "client"
		expect(screen.getAllByRole('treeitem').map((i) => i.dataset.path)).toEqual(['client', 'src', 'src/lib.rs', 'src/server.rs', 'src/wal.rs']);
		await fireEvent.keyDown(first, { key: 'ArrowDown' });
		expect(document.activeElement).toHaveAttribute('data-path', 'src');
		await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
		await fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
		expect(onSelectFile).toHaveBeenLastCalledWith('src/lib.rs');
		await fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' }); // to the parent
		expect(document.activeElement).toHaveAttribute('data-path', 'src');
	});
});

describe('SymbolList', () => {
	it('groups symbols by file and filters by kind, language and name', async () => {
		const onSelect = vi.fn();
		render(SymbolList, { model, file: null, selected: null, onSelect });
		expect(screen.getByTestId('symbol-count')).toHaveTextContent('22');
		const groups = screen.getAllByRole('region').filter((g) => g.hasAttribute('aria-label'));
		expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual(['client/client.py', 'client/retry.py', 'src/lib.rs', 'src/server.rs', 'src/wal.rs']);
		expect(within(groups[1]).getAllByRole('button').map((b) => b.dataset.symbol)).toEqual(['with_retry', 'backoff']);

		await fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'python' } });
		expect(screen.getByTestId('symbol-count')).toHaveTextContent('6');
		await fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'method' } });
		expect(screen.getByTestId('symbol-count')).toHaveTextContent('3');
		await fireEvent.input(screen.getByLabelText('Filter symbols by name'), { target: { value: 'conn' } });
		const only = screen.getByRole('button', { name: /connect/ });
		expect(screen.getByTestId('symbol-count')).toHaveTextContent('1');
		expect(only).toHaveTextContent('def connect(self, host: str, port: int) -> None');
		await fireEvent.click(only);
		expect(onSelect).toHaveBeenCalledWith(byName('client.Client.connect').id);
	});

	it('limits to one file and pages long lists', async () => {
		render(SymbolList, { model, file: 'src/wal.rs', selected: null, onSelect: vi.fn(), pageSize: 3 });
		expect(screen.getByTestId('symbol-count')).toHaveTextContent('6');
		expect(screen.getAllByRole('button', { name: /^(struct|method|function|enum)/ })).toHaveLength(3);
		await fireEvent.click(screen.getByRole('button', { name: /Show more \(3 hidden\)/ }));
		expect(screen.getAllByRole('button', { name: /^(struct|method|function|enum)/ })).toHaveLength(6);
	});
});

describe('SymbolDetail', () => {
	it('shows the symbol, its summary, source link, calls, callers and relations', async () => {
		const onSelect = vi.fn();
		const put = byName('kv::Store::put');
		render(SymbolDetail, { model, symbolId: put.id, onSelect });
		const detail = screen.getByTestId('symbol-detail');
		expect(within(detail).getByRole('heading', { level: 2 })).toHaveTextContent('put');
		expect(detail).toHaveTextContent('method');
		expect(detail).toHaveTextContent('pub fn put(&mut self, key: &str, value: Vec<u8>) -> io::Result<()>');
		expect(detail).toHaveTextContent('src/lib.rs:27–34');
		expect(screen.getByTestId('source-link')).toHaveAttribute(
			'href',
			'https://github.com/doctown/fixture/blob/0123456789abcdef0123456789abcdef01234567/src/lib.rs#L27-L34'
		);
		expect(screen.getByTitle(/Written from extracted facts/)).toHaveTextContent('facts');
		expect(detail.querySelector('blockquote')).toHaveTextContent('put is a method in src/lib.rs; it calls 1 symbols.');
		const section = (title: string) => screen.getByRole('heading', { name: new RegExp(`^${title}`) }).closest('section')!;
		expect(within(section('Calls')).getAllByRole('button').map((b) => b.textContent)).toEqual([expect.stringContaining('append')]);
		expect(within(section('Called by')).getByRole('button')).toHaveTextContent('handle_request');
		expect(within(section('Related')).getByRole('button')).toHaveTextContent('put');
		expect(detail).toHaveTextContent(/Centrality\s*[\d.]+\s*#\d+ of 22/);
		expect(detail).toHaveTextContent('store'); // cluster
		expect(within(detail).getByText('impl Store')).toBeInTheDocument(); // parent

		await fireEvent.click(within(section('Calls')).getByRole('button'));
		expect(onSelect).toHaveBeenCalledWith(byName('kv::wal::Wal::append').id);
	});

	it('finds similar symbols from the embeddings', async () => {
		render(SymbolDetail, { model, symbolId: byName('kv::wal::Wal::replay').id, onSelect: vi.fn() });
		await fireEvent.click(screen.getByRole('button', { name: 'Find similar (embeddings)' }));
		const similar = screen.getByTestId('similar');
		const items = within(similar).getAllByRole('button');
		expect(items).toHaveLength(8);
		expect(items[0].textContent).toMatch(/\d\.\d{3}$/);
	});

	it('shows a model badge for model-written summaries', () => {
		const m = fixtureModel();
		const s = m.docpack.symbols[0] as SymbolNode;
		s.documentation = { summary: 'Written by a model.', source: 'model', model: 'gpt-4o-mini' };
		render(SymbolDetail, { model: m, symbolId: s.id, onSelect: vi.fn() });
		expect(screen.getByTitle('Written by gpt-4o-mini')).toHaveTextContent('model: gpt-4o-mini');
	});
});
