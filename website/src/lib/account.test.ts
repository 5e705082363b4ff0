import { afterEach, describe, expect, it, vi } from 'vitest';
import { canBuild, createKey, formatUsd, planRows, revokeKey, signInHref, type Me, type PlanLimits } from './account';
import { ApiError, setCsrfToken } from './api';

const limits = (over: Partial<PlanLimits> = {}): PlanLimits => ({
	jobs_per_month: 10,
	max_repo_mb: 50,
	model_budget_usd: 0.1,
	private_repos: false,
	concurrent_jobs: 1,
	requests_per_minute: 120,
	stripe_price: null,
	price_usd: 0,
	...over
});

const signedOut: Me = { mode: 'accounts', user: null, sign_in_url: '/auth/github/login', anonymous_builds: false };

describe('signInHref', () => {
	it('comes back to the page it was asked from', () => {
		expect(signInHref(signedOut, '/library?scope=public')).toBe('/auth/github/login?redirect=%2Flibrary%3Fscope%3Dpublic');
		expect(signInHref(signedOut, '/', true)).toBe('/auth/github/login?redirect=%2F&private=1');
	});
	it('never sends the browser elsewhere after signing in', () => {
		for (const bad of ['//evil.example', 'https://evil.example', 'evil']) {
			expect(signInHref(signedOut, bad)).toBe('/auth/github/login?redirect=%2F');
		}
	});
	it('is absent in local mode and without GitHub configured', () => {
		expect(signInHref({ mode: 'local', user: null }, '/')).toBeNull();
		expect(signInHref({ ...signedOut, sign_in_url: null }, '/')).toBeNull();
		expect(signInHref(null, '/')).toBeNull();
	});
});

describe('canBuild', () => {
	it('follows the mode, the user and the anonymous setting', () => {
		expect(canBuild({ mode: 'local', user: null })).toBe(true);
		expect(canBuild(signedOut)).toBe(false);
		expect(canBuild({ ...signedOut, anonymous_builds: true })).toBe(true);
		expect(canBuild({ ...signedOut, auth: 'operator' })).toBe(true);
		const user = { id: 1, github_id: 2, login: 'ada', plan: 'free' as const, billing_status: 'none', created_at: 0 };
		expect(canBuild({ ...signedOut, user })).toBe(true);
	});
});

describe('planRows', () => {
	const plans = {
		team: limits({ stripe_price: 'price_team', price_usd: 49 }),
		free: limits(),
		creator: limits({ stripe_price: 'price_creator', price_usd: 12, private_repos: true })
	};
	it('orders the plans and offers only upgrades that Checkout sells', () => {
		const rows = planRows(plans, 'free');
		expect(rows.map((r) => [r.name, r.current, r.upgrade])).toEqual([
			['free', true, false],
			['creator', false, true],
			['team', false, true]
		]);
		expect(planRows(plans, 'creator').map((r) => r.upgrade)).toEqual([false, false, true]);
		expect(planRows(plans, 'team').every((r) => !r.upgrade)).toBe(true);
	});
	it('offers no checkout for a plan without a Stripe price', () => {
		const rows = planRows({ ...plans, team: limits({ price_usd: 49 }) }, 'free');
		expect(rows.find((r) => r.name === 'team')?.upgrade).toBe(false);
	});
	it('skips plans the server did not send', () => {
		expect(planRows({ free: limits() }, 'free').map((r) => r.name)).toEqual(['free']);
	});
});

describe('formatUsd', () => {
	it('shows cents, fractions of a cent, and nothing for non-numbers', () => {
		expect(formatUsd(12)).toBe('$12.00');
		expect(formatUsd(0)).toBe('$0.00');
		expect(formatUsd(0.0042)).toBe('$0.0042');
		expect(formatUsd(Number.NaN)).toBe('—');
	});
});

describe('requests with a session', () => {
	afterEach(() => {
		setCsrfToken(null);
		vi.unstubAllGlobals();
	});

	function recordFetch(status: number, body: unknown) {
		const calls: { url: string; init: RequestInit }[] = [];
		vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
			calls.push({ url, init });
			return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
		});
		return calls;
	}

	it('sends the CSRF token with mutations only', async () => {
		const calls = recordFetch(201, { key: { id: 1 }, secret: 'dt_x' });
		setCsrfToken('tok-1');
		await createKey('  ci ', ['read', 'build']);
		const headers = calls[0].init.headers as Record<string, string>;
		expect(headers['x-csrf-token']).toBe('tok-1');
		expect(JSON.parse(String(calls[0].init.body))).toEqual({ name: 'ci', scopes: ['read', 'build'] });
	});

	it('answers nothing for 204 and throws the server message otherwise', async () => {
		recordFetch(204, null);
		await expect(revokeKey(3)).resolves.toBeUndefined();
		recordFetch(402, { error: 'you have used this month\'s 1 jobs: upgrade, or wait for the next month' });
		const failure = revokeKey(3);
		await expect(failure).rejects.toBeInstanceOf(ApiError);
		await expect(failure).rejects.toMatchObject({ status: 402, message: expect.stringContaining('this month') });
	});

	it('sends no token when signed out', async () => {
		const calls = recordFetch(204, null);
		await revokeKey(4);
		expect((calls[0].init.headers as Record<string, string>)['x-csrf-token']).toBeUndefined();
	});
});
