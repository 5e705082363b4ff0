/**
 * What the explorer asks the server of a docpack it does not download (one
 * larger than a browser tab reads, or `?reader=server`): the module level
 * (`GET /api/jobs/{id}/outline`), a box's members, most central first
 * (`/members`), and a symbol's detail (`/symbol`). Search and impact are
 * the server's as for any job (`searchJob`, `impactJob`).
 */

import { getJson, jobPath } from './api';
import type { Docs, Manifest } from './docpack/types';

/** `GET /api/jobs/{id}/outline`. */
export interface Outline {
	manifest: Manifest;
	/** Symbols in the docpack. */
	symbols: number;
	/** The server reads it in place (too large to hold whole). */
	read_in_place: boolean;
	/** `docs.json` without each module's list of symbols. */
	docs: Docs;
}

/** A symbol as the server's answers name it. */
export interface ServerSymbolRef {
	id: string;
	/** The qualified name. */
	name: string;
	kind: string;
	path: string;
	line: number;
}

export interface Member extends ServerSymbolRef {
	centrality: number;
}

/** `GET /api/jobs/{id}/members`: a page of a box's symbols, most central first. */
export interface Members {
	key: string;
	modules: number;
	total: number;
	offset: number;
	members: Member[];
	next_offset?: number | null;
}

/** `GET /api/jobs/{id}/symbol`: what `doctown query symbol --json` answers. */
export interface ServerSymbol extends ServerSymbolRef {
	end_line: number;
	language: string;
	visibility: string;
	role?: string | null;
	signature: string;
	summary?: string | null;
	summary_source?: string | null;
	doc_comment?: string | null;
	parent?: ServerSymbolRef | null;
	members?: ServerSymbolRef[];
	members_total: number;
	callers_total: number;
	callees_total: number;
	unresolved_calls: number;
	/** The most central callers and callees (`caller`, `callee`, `referenced_by`, `references`). */
	related?: (ServerSymbolRef & { relation: string })[];
	tests_total: number;
	tests?: ServerSymbolRef[];
	module?: string | null;
	cluster?: string | null;
	centrality: number;
	loc: number;
	complexity?: number | null;
	source: { cite: string; lines?: string[]; omitted?: number; stale?: boolean; unavailable?: string | null };
}

const api = (jobId: string, route: string, params: Record<string, string | number>) =>
	`/api${jobPath(jobId)}/${route}${Object.keys(params).length ? `?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}` : ''}`;

export function outlineJob(jobId: string, signal?: AbortSignal): Promise<Outline> {
	return getJson<Outline>(api(jobId, 'outline', {}), signal, (b) =>
		b.manifest && Array.isArray(b.docs?.modules) && Number.isFinite(b.symbols) ? null : 'the answer is not an outline'
	);
}

export function membersJob(
	jobId: string,
	box: string,
	{ offset = 0, limit = 50, signal }: { offset?: number; limit?: number; signal?: AbortSignal } = {}
): Promise<Members> {
	return getJson<Members>(api(jobId, 'members', { box, limit, ...(offset ? { offset } : {}) }), signal, (b) =>
		Array.isArray(b.members) && Number.isFinite(b.total) ? null : 'the answer is not a list of members'
	);
}

export function symbolJob(jobId: string, symbol: string, { lines = 40, signal }: { lines?: number; signal?: AbortSignal } = {}): Promise<ServerSymbol> {
	return getJson<ServerSymbol>(api(jobId, 'symbol', { symbol, lines }), signal, (b) =>
		typeof b.id === 'string' && typeof b.signature === 'string' ? null : 'the answer is not a symbol'
	);
}
