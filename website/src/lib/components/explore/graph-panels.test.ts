import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { DocpackModel } from '$lib/docpack/model';
import { fixtureModel, shopDocpack } from '../../../test-helpers';
import SymbolDetail from './SymbolDetail.svelte';
import ImpactPanel from './ImpactPanel.svelte';

const shop = new DocpackModel(shopDocpack());
const id = (q: string) => `sym:${q}`;
const texts = (list: HTMLElement) => within(list).getAllByRole('listitem').map((li) => li.textContent!.replace(/\s+/g, ' ').trim());

describe('impact in the symbol panel', () => {
	it('lists what can break by depth, the tests and the modules', async () => {
		const onSelect = vi.fn();
		render(SymbolDetail, { model: shop, symbolId: id('shop.pricing.tax_for'), onSelect });
		expect(screen.getByTestId('impact-summary')).toHaveTextContent('5 symbols can break within 3 steps (by depth: 1, 2, 2)');
		expect(texts(screen.getByTestId('impact-affected'))).toEqual([
			'd1 function price_order',
			'd2 function place_order',
			'd2 function refund_order',
			'd3 function create_order_route',
			'd3 function refund_route'
		]);
		expect(texts(screen.getByTestId('impact-tests'))).toEqual([
			'function test_place_order_rejects_empty',
			'function test_price_includes_tax'
		]);
		expect(screen.getByTestId('impact-modules')).toHaveTextContent('shop 5');

		await fireEvent.change(screen.getByLabelText('Impact depth'), { target: { value: '1' } });
		expect(texts(screen.getByTestId('impact-affected'))).toEqual(['d1 function price_order']);
		expect(screen.getByTestId('impact-summary')).toHaveTextContent('1 symbol can break within 1 step (by depth: 1)');

		await fireEvent.click(within(screen.getByTestId('impact-affected')).getByRole('button', { name: /price_order/ }));
		expect(onSelect).toHaveBeenCalledWith(id('shop.pricing.price_order'));
	});

	it('pages long lists', async () => {
		render(ImpactPanel, { model: shop, symbolId: id('shop.pricing.tax_for'), onSelect: vi.fn(), pageSize: 2 });
		expect(within(screen.getByTestId('impact-affected')).getAllByRole('listitem')).toHaveLength(2);
		await fireEvent.click(screen.getAllByRole('button', { name: 'Show more (3 hidden)' })[0]);
		expect(within(screen.getByTestId('impact-affected')).getAllByRole('listitem')).toHaveLength(4);
		await fireEvent.click(screen.getByRole('button', { name: 'Show more (1 hidden)' }));
		expect(within(screen.getByTestId('impact-affected')).getAllByRole('listitem')).toHaveLength(5);
		expect(screen.queryByRole('button', { name: /Show more/ })).toBeNull();
	});

	it('says when nothing reaches the symbol', () => {
		render(ImpactPanel, { model: shop, symbolId: id('shop.web.main'), onSelect: vi.fn() });
		expect(screen.getByTestId('impact-summary')).toHaveTextContent('Nothing in the repository calls or references this symbol');
		expect(screen.getByTestId('impact')).toHaveTextContent('No test exercises it');
	});
});

describe('flows in the symbol panel', () => {
	it('shows the flows that reach the symbol as paths whose steps select symbols', async () => {
		const onSelect = vi.fn();
		render(SymbolDetail, { model: shop, symbolId: id('shop.pricing.tax_for'), onSelect });
		const section = screen.getByTestId('flows');
		await waitFor(() => expect(within(section).getAllByTestId('flow')).toHaveLength(2));
		const flows = within(section).getAllByTestId('flow');
		expect(flows.map((f) => f.textContent!.replace(/\s+/g, ' ').trim())).toEqual([
			// Each along a path that contains the symbol, with the file it starts in.
			'route create_order_route → place_order → price_order → tax_for shop/web.py:1 · reaches 9 · 1 module',
			'route refund_route → refund_order → price_order → tax_for shop/web.py:1 · reaches 8 · 1 module'
		]);
		await fireEvent.click(within(flows[1]).getByRole('button', { name: 'refund_order' }));
		expect(onSelect).toHaveBeenCalledWith(id('shop.orders.refund_order'));
	});

	it('marks the symbol on the path, and says when no flow reaches it', async () => {
		const { rerender } = render(SymbolDetail, { model: shop, symbolId: id('shop.web.cli'), onSelect: vi.fn() });
		await waitFor(() => expect(screen.getAllByTestId('flow')).toHaveLength(1));
		expect(screen.getByRole('button', { name: 'cli' })).toHaveAttribute('aria-current', 'true');
		await rerender({ model: shop, symbolId: id('tests.test_pricing.test_discount'), onSelect: vi.fn() });
		await waitFor(() => expect(screen.getByTestId('flows')).toHaveTextContent('No flow from an entry point'));
	});

	it('works on the explorer fixture too', async () => {
		const model = fixtureModel();
		const wal = model.docpack.symbols.find((s) => s.qualified_name === 'kv::wal::Wal::append')!;
		render(SymbolDetail, { model, symbolId: wal.id, onSelect: vi.fn() });
		expect(texts(screen.getByTestId('impact-affected')).map((t) => t.split(' ').at(-1))).toEqual(
			expect.arrayContaining(['put', 'delete', 'compact', 'handle_request', 'serve'])
		);
		await waitFor(() => expect(screen.getAllByTestId('flow').length).toBeGreaterThan(0));
	});
});
