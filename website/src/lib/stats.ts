/**
 * Live statistics of a job, folded from its events (and completed by the job
 * state document when events are missing): stage progress, files, chunks,
 * skip reasons, languages, clusters, summaries, cost and elapsed time.
 */

import { STAGES, type JobState, type JobStatus, type StageName, type StageStatus, stageErrorMessage } from './api';
import { splitType, stageOf, TERMINAL_EVENT, type EventEnvelope } from './events';

export interface StageProgress {
	status: StageStatus;
	startedAt?: string;
	durationMs?: number;
	error?: string;
}

export interface JobStats {
	status: JobStatus;
	error?: string;
	stages: Record<StageName, StageProgress>;
	files: { detected: number; parsed: number | null; skipped: number; total: number };
	chunks: number;
	symbols: number | null;
	skipReasons: Record<string, number>;
	/** Language → files detected. */
	languages: Record<string, number>;
	clusters: number;
	embedded: { batches: number; texts: number };
	documented: { model: number; facts: number; failed: number };
	estimatedCostUsd: number | null;
	costUsd: number | null;
	/** Size of the written .docpack (from pack.completed.v1). */
	docpackBytes: number | null;
	firstTimestamp?: string;
	lastTimestamp?: string;
	durationMs?: number;
	events: number;
}

export function emptyStats(): JobStats {
	return {
		status: 'queued',
		stages: Object.fromEntries(STAGES.map((s) => [s, { status: 'pending' }])) as Record<StageName, StageProgress>,
		files: { detected: 0, parsed: null, skipped: 0, total: 0 },
		chunks: 0,
		symbols: null,
		skipReasons: {},
		languages: {},
		clusters: 0,
		embedded: { batches: 0, texts: 0 },
		documented: { model: 0, facts: 0, failed: 0 },
		estimatedCostUsd: null,
		costUsd: null,
		docpackBytes: null,
		events: 0
	};
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function stageStatusOf(status: unknown): StageStatus {
	switch (status) {
		case 'succeeded':
		case 'partial':
		case 'failed':
		case 'skipped':
		case 'running':
			return status;
		case 'cancelled':
			return 'failed';
		default:
			return 'succeeded';
	}
}

/** Folds one event into the statistics (mutates and returns `stats`). */
export function applyEvent(stats: JobStats, event: EventEnvelope): JobStats {
	const p = event.payload as Record<string, any>;
	stats.events++;
	stats.firstTimestamp ??= event.timestamp;
	stats.lastTimestamp = event.timestamp;
	if (stats.status === 'queued') stats.status = 'running';

	const stage = stageOf(event.type);
	const { name } = splitType(event.type);
	if (stage) {
		const progress = stats.stages[stage];
		if (name === 'started' || (progress.status === 'pending' && name !== 'completed')) {
			progress.status = 'running';
			progress.startedAt ??= event.timestamp;
		}
		// Stages before a running one are done even when their events were not seen.
		for (const earlier of STAGES.slice(0, STAGES.indexOf(stage))) {
			if (stats.stages[earlier].status === 'pending') stats.stages[earlier].status = 'skipped';
		}
		if (name === 'completed') {
			progress.status = stageStatusOf(event.status ?? p.status);
			if (typeof p.duration_ms === 'number') progress.durationMs = p.duration_ms;
			if (p.error) progress.error = String(p.error);
		}
	}

	switch (event.type) {
		case 'ingest.file_detected.v1':
			stats.files.detected++;
			stats.languages[p.language] = (stats.languages[p.language] ?? 0) + 1;
			break;
		case 'ingest.file_skipped.v1':
			stats.files.skipped++;
			stats.skipReasons[p.reason] = (stats.skipReasons[p.reason] ?? 0) + 1;
			break;
		case 'ingest.chunk_created.v1':
			stats.chunks++;
			break;
		case 'ingest.completed.v1': {
			const t = p.totals ?? {};
			stats.files.detected = Math.max(stats.files.detected, num(t.files_detected));
			stats.files.parsed = num(t.files_parsed);
			stats.files.skipped = Math.max(stats.files.skipped, num(t.files_skipped));
			stats.chunks = Math.max(stats.chunks, num(t.chunks));
			stats.symbols = num(t.symbols);
			if (t.skipped_by_reason) stats.skipReasons = { ...t.skipped_by_reason };
			if (t.languages && Object.keys(t.languages).length) stats.languages = { ...t.languages };
			break;
		}
		case 'embedding.batch_completed.v1':
			stats.embedded.batches++;
			stats.embedded.texts += num(p.texts);
			break;
		case 'assembly.cluster_created.v1':
			stats.clusters++;
			break;
		case 'generation.started.v1':
			stats.estimatedCostUsd = p.backend === 'facts' ? null : num(p.estimated_cost_usd);
			break;
		case 'generation.symbol_documented.v1':
			if (p.error) stats.documented.failed++;
			if (p.source === 'model') stats.documented.model++;
			else stats.documented.facts++;
			break;
		case 'generation.completed.v1':
			if (p.totals) {
				stats.documented = {
					model: num(p.totals.documented),
					facts: num(p.totals.from_facts),
					failed: num(p.totals.failed)
				};
				stats.costUsd = num(p.totals.cost_usd);
			}
			break;
		case 'pack.completed.v1':
			if (typeof p.size_bytes === 'number') stats.docpackBytes = p.size_bytes;
			break;
		case TERMINAL_EVENT:
			stats.status = (event.status ?? p.status ?? 'succeeded') as JobStatus;
			if (p.error) stats.error = String(p.error);
			if (typeof p.duration_ms === 'number') stats.durationMs = p.duration_ms;
			for (const s of STAGES) {
				if (stats.stages[s].status === 'running') stats.stages[s].status = stats.status === 'succeeded' ? 'succeeded' : 'failed';
			}
			break;
	}
	stats.files.total = stats.files.detected + stats.files.skipped;
	return stats;
}

export function aggregate(events: Iterable<EventEnvelope>): JobStats {
	const stats = emptyStats();
	for (const event of events) applyEvent(stats, event);
	return stats;
}

/** Completes event-derived stats with the job state document (authoritative for statuses). */
export function mergeState(stats: JobStats, state: JobState): JobStats {
	if (stats.status !== 'succeeded' && stats.status !== 'partial' && stats.status !== 'failed' && stats.status !== 'cancelled') {
		stats.status = state.status;
	}
	if (state.error && !stats.error) stats.error = state.error;
	for (const s of STAGES) {
		const fromState = state.stages?.[s];
		if (!fromState) continue;
		const progress = stats.stages[s];
		if (fromState.status !== 'pending' || progress.status === 'pending') progress.status = fromState.status;
		if (fromState.duration_ms != null) progress.durationMs = fromState.duration_ms;
		const message = stageErrorMessage(fromState.error);
		if (message) progress.error = message;
	}
	return stats;
}

/** Elapsed time: the job's duration when finished, else first event → `now`. */
export function elapsedMs(stats: JobStats, now: number): number | null {
	if (stats.durationMs != null) return stats.durationMs;
	if (!stats.firstTimestamp) return null;
	const start = Date.parse(stats.firstTimestamp);
	const end = stats.status === 'running' || stats.status === 'queued' ? now : Date.parse(stats.lastTimestamp ?? '');
	return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : null;
}

/** Entries sorted by count, descending, with their share of the largest. */
export function ranked(counts: Record<string, number>): { key: string; count: number; share: number }[] {
	const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
	const max = entries[0]?.[1] ?? 0;
	return entries.map(([key, count]) => ({ key, count, share: max ? count / max : 0 }));
}
