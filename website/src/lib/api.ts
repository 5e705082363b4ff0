/**
 * The typed client of the Doctown HTTP API (same origin as the site; see
 * `GET /openapi.json`). Errors are JSON `{"error": "..."}` and surface as
 * {@link ApiError} with that message.
 */

export const STAGES = ['ingest', 'embed', 'assemble', 'generate', 'pack'] as const;
export type StageName = (typeof STAGES)[number];

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
export type StageStatus = 'pending' | 'running' | 'succeeded' | 'partial' | 'failed' | 'skipped';

export interface StageError {
	message: string;
	retryable?: boolean;
}

export interface StageState {
	status: StageStatus;
	duration_ms?: number;
	summary?: unknown;
	error?: StageError | string | null;
}

export interface JobSource {
	name?: string;
	url?: string;
	ref?: string;
	commit?: string;
}

/** `GET /jobs/{id}`: the job state document. */
export interface JobState {
	job_id: string;
	status: JobStatus;
	stages: Partial<Record<StageName, StageState>>;
	source?: JobSource;
	input?: { source?: string; ref?: string };
	error?: string | null;
	created_at?: string;
	updated_at?: string;
}

export interface LibraryItem {
	job_id: string;
	name: string;
	/** The source as submitted (URL or path). */
	source?: string;
	ref?: string | null;
	commit?: string | null;
	/** Bytes of the docpack, when known. */
	size?: number | null;
	status?: JobStatus;
	created_at: string;
	finished_at?: string | null;
	download_url: string;
}

export interface LibraryPage {
	items: LibraryItem[];
	next_cursor?: string | null;
}

export class ApiError extends Error {
	constructor(
		message: string,
		readonly status: number
	) {
		super(message);
		this.name = 'ApiError';
	}
}

export function isTerminal(status: JobStatus): boolean {
	return status === 'succeeded' || status === 'partial' || status === 'failed' || status === 'cancelled';
}

export function jobPath(jobId: string): string {
	return `/jobs/${encodeURIComponent(jobId)}`;
}

export function docpackUrl(jobId: string): string {
	return `${jobPath(jobId)}/docpack`;
}

export function eventsUrl(jobId: string): string {
	return `${jobPath(jobId)}/events`;
}

/** The message of a stage error, whichever shape the server sent. */
export function stageErrorMessage(error: StageState['error']): string | null {
	if (!error) return null;
	return typeof error === 'string' ? error : error.message;
}

let csrfToken: string | null = null;

/**
 * The signed-in session's CSRF token (from `GET /me`), sent as `X-CSRF-Token`
 * with every mutation; `null` when signed out or in local mode.
 */
export function setCsrfToken(token: string | null): void {
	csrfToken = token;
}

/** A JSON request to the API; a failure throws {@link ApiError} with the server's message. */
export async function request<T>(path: string, init?: RequestInit): Promise<T> {
	const mutation = (init?.method ?? 'GET') !== 'GET';
	let response: Response;
	try {
		response = await fetch(path, {
			...init,
			headers: {
				accept: 'application/json',
				...(init?.body ? { 'content-type': 'application/json' } : {}),
				...(mutation && csrfToken ? { 'x-csrf-token': csrfToken } : {})
			}
		});
	} catch (e) {
		throw new ApiError(`cannot reach the Doctown API (${(e as Error).message})`, 0);
	}
	if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
	if (response.status === 204) return undefined as T;
	return (await response.json()) as T;
}

/** The `error` of a JSON error body, or the HTTP status line. */
export async function errorMessage(response: Response): Promise<string> {
	try {
		const body = (await response.json()) as { error?: unknown };
		if (typeof body?.error === 'string' && body.error) return body.error;
	} catch {
		/* not JSON */
	}
	return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

export function createJob(repoUrl: string, gitRef?: string): Promise<{ job_id: string }> {
	const body: { repo_url: string; git_ref?: string } = { repo_url: repoUrl.trim() };
	if (gitRef?.trim()) body.git_ref = gitRef.trim();
	return request('/jobs', { method: 'POST', body: JSON.stringify(body) });
}

/** One tier of a cost estimate: what the model documents, and its price. */
export interface EstimateTier {
	name: string;
	symbols: number;
	requests: number;
	prompt_tokens: number;
	completion_tokens: number;
	cost_usd: number;
}

/** `POST /estimate`: the configured model's expected tokens and cost. */
export interface Estimate {
	model: string;
	tiers: EstimateTier[];
	selected?: EstimateTier;
}

/** The cost estimate of a job, or `null` when no model is configured (summaries from facts cost nothing). */
export async function estimateJob(repoUrl: string, gitRef?: string): Promise<Estimate | null> {
	const body: { repo_url: string; git_ref?: string } = { repo_url: repoUrl.trim() };
	if (gitRef?.trim()) body.git_ref = gitRef.trim();
	try {
		return await request<Estimate>('/estimate', { method: 'POST', body: JSON.stringify(body) });
	} catch (e) {
		if (e instanceof ApiError && e.status === 404) return null;
		throw e;
	}
}

export function getJob(jobId: string): Promise<JobState> {
	return request(jobPath(jobId));
}

export function cancelJob(jobId: string): Promise<unknown> {
	return request(`${jobPath(jobId)}/cancel`, { method: 'POST' });
}

export function listDocpacks(limit = 20, cursor?: string | null): Promise<LibraryPage> {
	const params = new URLSearchParams({ limit: String(limit) });
	if (cursor) params.set('cursor', cursor);
	return request(`/docpacks?${params}`);
}

/** The size of a job's docpack from a HEAD request, if the server says. */
export async function docpackSize(jobId: string): Promise<number | null> {
	try {
		const response = await fetch(docpackUrl(jobId), { method: 'HEAD' });
		const length = response.ok ? response.headers.get('content-length') : null;
		return length ? Number(length) : null;
	} catch {
		return null;
	}
}

/** Downloads a job's docpack into memory (for exploring it in the browser). */
export async function fetchDocpack(url: string, signal?: AbortSignal): Promise<Uint8Array> {
	let response: Response;
	try {
		response = await fetch(url, { signal });
	} catch (e) {
		throw new ApiError(`cannot download the docpack (${(e as Error).message})`, 0);
	}
	if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
	return new Uint8Array(await response.arrayBuffer());
}

/** How the server ranks search results (`hybrid` fuses the text and vector rankings). */
export type SearchMode = 'hybrid' | 'lexical' | 'semantic';
export const SEARCH_MODES: SearchMode[] = ['hybrid', 'lexical', 'semantic'];

/** A symbol linked to a search hit (one hop of callers, callees, tests…). */
export interface SearchRelated {
	relation: string;
	id: string;
	name: string;
	kind: string;
	path: string;
	line: number;
}

export interface SearchHit {
	id: string;
	/** The qualified name. */
	name: string;
	kind: string;
	path: string;
	line: number;
	score: number;
	signature: string;
	summary?: string | null;
	related?: SearchRelated[] | null;
}

/** `GET /api/jobs/{id}/search`: the server's query engine over the job's docpack. */
export interface SearchResponse {
	query: string;
	mode: string;
	/** The rankings that took part (e.g. `lexical`, `semantic`). */
	used: string[];
	hits: SearchHit[];
	notes?: string[] | null;
}

export function searchUrl(jobId: string, query: string, { limit = 20, mode }: { limit?: number; mode?: SearchMode } = {}): string {
	const params = new URLSearchParams({ q: query, limit: String(limit) });
	if (mode) params.set('mode', mode);
	return `/api${jobPath(jobId)}/search?${params}`;
}

/**
 * Searches a job's docpack on the server. Throws {@link ApiError} when the
 * server cannot answer (status 404 where it has no search route), and the
 * fetch's `AbortError` when `signal` aborts it.
 */
export async function searchJob(
	jobId: string,
	query: string,
	{ limit = 20, mode, signal }: { limit?: number; mode?: SearchMode; signal?: AbortSignal } = {}
): Promise<SearchResponse> {
	const body = await getJson<SearchResponse>(searchUrl(jobId, query, { limit, mode }), signal, (b) => (Array.isArray(b?.hits) ? null : 'the search answer has no hits'));
	return { ...body, used: Array.isArray(body.used) ? body.used : [] };
}

/**
 * A GET of the API that answers JSON: {@link ApiError} when the server
 * cannot be reached, refuses (its one-line message), or answers something
 * `problem` finds wrong; the fetch's `AbortError` when `signal` aborts it.
 */
export async function getJson<T>(url: string, signal: AbortSignal | undefined, problem: (body: T) => string | null): Promise<T> {
	let response: Response;
	try {
		response = await fetch(url, { headers: { accept: 'application/json' }, signal });
	} catch (e) {
		if (signal?.aborted) throw e;
		throw new ApiError(`cannot reach the Doctown API (${(e as Error).message})`, 0);
	}
	if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
	const body = (await response.json().catch(() => null)) as T;
	const wrong = body === null || typeof body !== 'object' ? 'the answer is not JSON' : problem(body);
	if (wrong) throw new ApiError(wrong, response.status);
	return body;
}
