/**
 * The hosted service's account API (see `docs/ACCOUNTS.md`): who is signed
 * in, the plan and its usage, job history, API keys, the library's
 * visibility and share links, and billing. In local mode (`doctown serve`
 * with no accounts) `GET /me` answers `{mode: "local"}` and none of the
 * rest is used.
 */

import { request, jobPath, type LibraryItem } from './api';

export const PLAN_NAMES = ['free', 'creator', 'team'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export const SCOPES = ['read', 'build', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type Visibility = 'public' | 'private';

/** What a plan allows (the server's `PlanLimits`). */
export interface PlanLimits {
	jobs_per_month: number;
	max_repo_mb: number;
	model_budget_usd: number;
	private_repos: boolean;
	concurrent_jobs: number;
	requests_per_minute: number;
	stripe_price?: string | null;
	price_usd?: number | null;
}

export interface AccountUser {
	id: number;
	github_id: number;
	login: string;
	name?: string | null;
	email?: string | null;
	avatar_url?: string | null;
	plan: PlanName;
	/** `none`, `active`, `past_due` or `canceled`. */
	billing_status: string;
	created_at: number;
}

/** `GET /me`. */
export interface Me {
	mode: 'local' | 'accounts';
	user: AccountUser | null;
	plan?: PlanName;
	limits?: PlanLimits;
	csrf_token?: string;
	sign_in_url?: string | null;
	anonymous_builds?: boolean;
	billing?: boolean;
	auth?: 'session' | 'key' | 'operator';
}

/** `GET /me/usage`. */
export interface Usage {
	plan: PlanName;
	/** The plan whose limits apply (Free while a payment is past due). */
	effective_plan: PlanName;
	billing_status: string;
	limits: PlanLimits;
	usage: { period: string; jobs: number; jobs_left: number; active_jobs: number; cost_usd: number };
	plans: Partial<Record<PlanName, PlanLimits>>;
}

/** A job of `GET /me/jobs` (times in ms since the epoch). */
export interface HistoryJob {
	id: string;
	source: string;
	ref?: string | null;
	commit?: string | null;
	private: boolean;
	visibility: Visibility;
	status: string;
	cost_usd: number;
	duration_ms?: number | null;
	error?: string | null;
	created_at: number;
	finished_at?: number | null;
}

export interface Page<T> {
	items: T[];
	next_cursor?: string | null;
}

export interface ApiKey {
	id: number;
	name: string;
	/** `dt_<prefix>`: enough to recognise the key. */
	prefix: string;
	scopes: Scope[];
	created_at: number;
	last_used_at?: number | null;
}

export interface NewKey {
	key: ApiKey;
	/** Shown once: the server keeps only its hash. */
	secret: string;
}

/** A docpack of the library with accounts: who owns it, who may see it. */
export interface AccountLibraryItem extends LibraryItem {
	owner?: string | null;
	visibility?: Visibility;
	shared?: boolean;
	checksum?: string | null;
}

/** A job's share link (`token` null when there is none). */
export interface Share {
	job_id: string;
	token: string | null;
	url: string | null;
	download_url: string | null;
	/** The website's page for the link, `/s/{token}`. */
	page_url?: string | null;
}

export const getMe = () => request<Me>('/me');
export const getUsage = () => request<Usage>('/me/usage');
export const signOut = () => request<unknown>('/auth/logout', { method: 'POST' });

export function listMyJobs(limit = 20, cursor?: string | null): Promise<Page<HistoryJob>> {
	return request(`/me/jobs?${pageParams(limit, cursor)}`);
}

/** My docpacks (`mine`) or everyone's public ones (`public`, the gallery). */
export function listLibrary(scope: 'mine' | 'public', limit = 25, cursor?: string | null): Promise<Page<AccountLibraryItem>> {
	const params = pageParams(limit, cursor);
	params.set('scope', scope);
	return request(`/docpacks?${params}`);
}

export const listKeys = () => request<{ items: ApiKey[] }>('/me/keys');

export function createKey(name: string, scopes: Scope[]): Promise<NewKey> {
	return request('/me/keys', { method: 'POST', body: JSON.stringify({ name: name.trim(), scopes }) });
}

export function revokeKey(id: number): Promise<void> {
	return request(`/me/keys/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function setVisibility(jobId: string, visibility: Visibility): Promise<{ visibility: Visibility }> {
	return request(`${jobPath(jobId)}/visibility`, { method: 'POST', body: JSON.stringify({ visibility }) });
}

export const getShare = (jobId: string) => request<Share>(`${jobPath(jobId)}/share`);
export const createShare = (jobId: string) => request<Share>(`${jobPath(jobId)}/share`, { method: 'POST' });
export const revokeShare = (jobId: string) => request<void>(`${jobPath(jobId)}/share`, { method: 'DELETE' });

/** What a share link opens; needs no account. */
export const getShared = (token: string) => request<AccountLibraryItem>(`/shared/${encodeURIComponent(token)}`);

/** Where a shared docpack downloads from. */
export const sharedDocpackUrl = (token: string) => `/shared/${encodeURIComponent(token)}/docpack`;

/** A Checkout session's URL for upgrading to `plan`. */
export function startCheckout(plan: PlanName): Promise<{ url: string }> {
	return request('/billing/checkout', { method: 'POST', body: JSON.stringify({ plan }) });
}

/** The customer portal's URL (manage or cancel the subscription). */
export const openPortal = () => request<{ url: string }>('/billing/portal', { method: 'POST' });

function pageParams(limit: number, cursor?: string | null): URLSearchParams {
	const params = new URLSearchParams({ limit: String(limit) });
	if (cursor) params.set('cursor', cursor);
	return params;
}

/** The sign-in link: the server's OAuth start, coming back to `returnTo` (a path of this site). */
export function signInHref(me: Me | null, returnTo: string, privateRepos = false): string | null {
	const start = me?.sign_in_url;
	if (!start) return null;
	const back = returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/';
	const query = new URLSearchParams({ redirect: back });
	// GitHub is asked for the `repo` scope only by those who build private repositories.
	if (privateRepos) query.set('private', '1');
	return `${start}?${query}`;
}

/** Whether this visitor may submit builds (local mode, signed in, or anonymous builds allowed). */
export function canBuild(me: Me | null): boolean {
	if (!me || me.mode === 'local') return true;
	return me.user !== null || me.auth === 'operator' || me.anonymous_builds === true;
}

export const planLabel = (plan: PlanName | string) => plan.charAt(0).toUpperCase() + plan.slice(1);

/** One row of the pricing table. */
export interface PlanRow {
	name: PlanName;
	limits: PlanLimits;
	current: boolean;
	/** Can be bought through Checkout from the current plan. */
	upgrade: boolean;
}

/** The plans in order, marking the current one and those one may upgrade to. */
export function planRows(plans: Usage['plans'], current: PlanName): PlanRow[] {
	const rank = (p: PlanName) => PLAN_NAMES.indexOf(p);
	return PLAN_NAMES.flatMap((name) => {
		const limits = plans[name];
		if (!limits) return [];
		return [{ name, limits, current: name === current, upgrade: rank(name) > rank(current) && !!limits.stripe_price }];
	});
}

export function formatUsd(usd: number): string {
	if (!Number.isFinite(usd)) return '—';
	return usd > 0 && usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** A time in ms since the epoch, in the reader's locale (`—` when absent). */
export function formatTime(ms: number | null | undefined): string {
	if (ms == null || !Number.isFinite(ms)) return '—';
	return new Date(ms).toLocaleString();
}
