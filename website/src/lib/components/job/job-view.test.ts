import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import { cannedEvents, smallFixture } from '../../../../tests/fixtures/fixtures.mjs';
import { aggregate } from '$lib/stats';
import type { EventEnvelope } from '$lib/events';
import EventLog from './EventLog.svelte';
import StatsPanel from './StatsPanel.svelte';
import PipelineStages from './PipelineStages.svelte';

const events: EventEnvelope[] = cannedEvents('job-1', smallFixture());

describe('EventLog', () => {
	it('shows one summarised, coloured line per event with a live indicator', () => {
		render(EventLog, { props: { events, connection: 'live' } });
		expect(screen.getByTestId('event-count')).toHaveTextContent(String(events.length));
		expect(screen.getByText('live')).toBeInTheDocument();
		const log = screen.getByRole('log');
		const skipped = within(log).getByText('Cargo.lock · lock file').closest('.line')!;
		expect(skipped).toHaveClass('skipped');
		expect(skipped.querySelector('time')).toHaveTextContent('12:00:00.037');
		expect(within(log).getByText('job succeeded in 1.60 s').closest('.line')).toHaveClass('completed');
		expect(log.textContent).not.toContain('{');
	});

	it('renders only the newest lines', () => {
		render(EventLog, { props: { events, connection: 'closed', maxLines: 10 } });
		expect(screen.getAllByText(/\d\d:\d\d:\d\d\.\d{3}/)).toHaveLength(10);
		expect(screen.getByText(/58 earlier events not shown/)).toBeInTheDocument();
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
