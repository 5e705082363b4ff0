import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { cannedEvents, smallFixture } from '../../../../tests/fixtures/fixtures.mjs';
import { aggregate } from '$lib/stats';
import type { EventEnvelope } from '$lib/events';
import { groupEvents } from '$lib/event-groups';
import EventLog from './EventLog.svelte';
import StatsPanel from './StatsPanel.svelte';
import PipelineStages from './PipelineStages.svelte';

const events: EventEnvelope[] = cannedEvents('job-1', smallFixture());

describe('EventLog', () => {
	it('shows one summarised, coloured line per event with a live indicator', async () => {
		render(EventLog, { props: { events, connection: 'live' } });
		expect(screen.getByTestId('event-count')).toHaveTextContent(String(events.length));
		expect(screen.getByText('live')).toBeInTheDocument();
		const log = screen.getByRole('log');
		// Ingest's files and chunks are one row until opened.
		const files = screen.getAllByTestId('event-group').find((g) => g.textContent!.includes('ingest.files'))!;
		expect(files).toHaveTextContent('files detected');
		await fireEvent.click(within(files).getByRole('button'));
		const skipped = within(log).getByText('Cargo.lock · lock file').closest('.line')!;
		expect(skipped).toHaveClass('skipped');
		expect(skipped.querySelector('time')).toHaveTextContent('12:00:00.037');
		expect(within(log).getByText('job succeeded in 1.60 s').closest('.line')).toHaveClass('completed');
		expect(log.textContent).not.toContain('{');
	});

	it('renders only the newest lines', () => {
		render(EventLog, { props: { events, connection: 'closed', maxLines: 10 } });
		expect(screen.getAllByText(/\d\d:\d\d:\d\d\.\d{3}/)).toHaveLength(10);
		// Rows, not events: a run of per-item events is one row.
		const rows = groupEvents(events);
		const hidden = rows.slice(0, rows.length - 10).reduce((n, r) => n + (r.kind === 'group' ? r.events.length : 1), 0);
		expect(screen.getByText(new RegExp(`${hidden} earlier events not shown`))).toBeInTheDocument();
	});

	it('groups a run of per-item events into one row that opens to list them', async () => {
		const documented = Array.from({ length: 1000 }, (_, i) => ({
			...events[0],
			sequence: 1000 + i,
			type: 'generation.symbol_documented.v1',
			payload: { symbol_id: `sym_${String(i).padStart(16, '0')}`, source: i % 10 ? 'facts' : 'model' }
		}));
		const all = [...events.slice(0, 3), ...documented, { ...events.at(-1)!, sequence: 5000 }];
		render(EventLog, { props: { events: all, connection: 'closed', groupLines: 20 } });
		expect(screen.getByTestId('event-count')).toHaveTextContent('1,004');
		const group = screen.getByTestId('event-group');
		expect(group).toHaveTextContent('1,000 × generation.symbol_documented');
		expect(group).toHaveTextContent('1,000 symbols documented: from facts 900, by model 100');
		expect(screen.queryByText(/sym_0000000000000001/)).toBeNull();
		const button = within(group).getByRole('button');
		expect(button).toHaveAttribute('aria-expanded', 'false');
		await fireEvent.click(button);
		expect(button).toHaveAttribute('aria-expanded', 'true');
		const items = screen.getByTestId('event-group-items');
		expect(items.querySelectorAll('.line')).toHaveLength(20);
		expect(items).toHaveTextContent('… and 980 more');
	});
});

describe('StatsPanel and PipelineStages', () => {
	it('update as events arrive', async () => {
		const partial = aggregate(events.slice(0, 10));
		const { rerender } = render(StatsPanel, { stats: partial, now: Date.parse(events[9].timestamp) });
		expect(screen.getByTestId('job-status')).toHaveTextContent('running');
		expect(screen.getByTestId('stat-files-processed')).toHaveTextContent('5');
		expect(screen.getByTestId('stat-chunks')).toHaveTextContent('2');
		expect(screen.getByRole('list', { name: 'Files per language' })).toHaveTextContent(/rust.*3.*python.*2/s);

		await rerender({ stats: aggregate(events), now: Date.now() });
		expect(screen.getByTestId('job-status')).toHaveTextContent('succeeded');
		expect(screen.getByTestId('stat-chunks')).toHaveTextContent('22');
		expect(screen.getByRole('list', { name: 'Skipped files by reason' })).toHaveTextContent(/lock file\s*1/);
		expect(screen.getByText('1.60 s')).toBeInTheDocument();
	});

	it('shows each stage status in order', () => {
		const stats = aggregate(events.slice(0, 40));
		render(PipelineStages, { stages: stats.stages });
		const items = screen.getAllByRole('listitem');
		expect(items.map((li) => li.dataset.stage)).toEqual(['ingest', 'embed', 'assemble', 'generate', 'pack']);
		expect(items.map((li) => li.dataset.status)).toEqual(['succeeded', 'succeeded', 'running', 'pending', 'pending']);
		expect(items[0]).toHaveAccessibleName('Ingest: succeeded');
	});
});
