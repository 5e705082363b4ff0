// The hosted service in a real browser: `doctown serve` with accounts on,
// GitHub and Stripe played by local stand-ins (tests/e2e/standins.mjs).
//
// A new user signs in with GitHub, is refused a private repository on the
// free plan, upgrades through Stripe Checkout, builds the private
// repository, finds it private in the library, shares it, the link opens it
// signed out until it is revoked, the plan's monthly limit stops a third
// job, an API key is created, used and revoked, and the user signs out.
//
//   DOCTOWN_BIN   the doctown binary (required: this test runs the real server)
//
// Screenshots go to test-results/e2e-accounts/.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './browser.mjs';
import { assert, axeAudit, createHarness } from './harness.mjs';
import { GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, STRIPE_KEY, STRIPE_WEBHOOK_SECRET, startStandins } from './standins.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const siteRoot = resolve(here, '../..');
const out = join(siteRoot, 'test-results/e2e-accounts');
const bin = process.env.DOCTOWN_BIN;
const pipelineTimeout = Number(process.env.DOCTOWN_E2E_TIMEOUT_MS || 600_000);
if (!bin) {
	console.error('error: DOCTOWN_BIN must name the doctown binary (this test runs `doctown serve` with accounts)');
	process.exit(2);
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const PLANS = `
[free]
jobs_per_month = 1
private_repos = false
concurrent_jobs = 2
requests_per_minute = 100000

[creator]
jobs_per_month = 2
private_repos = true
concurrent_jobs = 2
requests_per_minute = 100000
stripe_price = "price_creator_e2e"
price_usd = 12.0

[team]
jobs_per_month = 50
private_repos = true
stripe_price = "price_team_e2e"
price_usd = 49.0

[anonymous]
builds = false
`;

async function freePort() {
	const server = createServer();
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address();
	await new Promise((r) => server.close(r));
	return port;
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir) {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true });
	return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

const store = await mkdtemp(join(tmpdir(), 'doctown-e2e-accounts-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const standins = await startStandins({ webhookUrl: () => `${base}/webhooks/stripe` });
const plansFile = join(store, 'plans.toml');
await writeFile(plansFile, PLANS);
const serveLog = join(out, 'serve.log');
const server = spawn(bin, ['serve', '--store', join(store, 'data'), '--addr', `127.0.0.1:${port}`, '--static-dir', join(siteRoot, 'build')], {
	env: {
		...process.env,
		DOCTOWN_ACCOUNTS: '1',
		DOCTOWN_PUBLIC_URL: base,
		DOCTOWN_GITHUB_CLIENT_ID: GITHUB_CLIENT_ID,
		DOCTOWN_GITHUB_CLIENT_SECRET: GITHUB_CLIENT_SECRET,
		DOCTOWN_GITHUB_OAUTH_URL: standins.url,
		DOCTOWN_GITHUB_API: `${standins.url}/api`,
		DOCTOWN_STRIPE_SECRET_KEY: STRIPE_KEY,
		DOCTOWN_STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET,
		DOCTOWN_STRIPE_API: `${standins.url}/stripe`,
		DOCTOWN_PLANS_FILE: plansFile,
		DOCTOWN_TOKEN_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`
	},
	stdio: ['ignore', 'pipe', 'pipe']
});
const log = createWriteStream(serveLog);
server.stdout.pipe(log);
server.stderr.pipe(log);
let exited = null;
server.on('exit', (code) => (exited = code));
for (let i = 0; i < 100 && exited === null; i++) {
	const up = await fetch(`${base}/health`).then((r) => r.ok).catch(() => false);
	if (up) break;
	await new Promise((r) => setTimeout(r, 200));
}
if (exited !== null || !(await fetch(`${base}/health`).then((r) => r.ok).catch(() => false))) {
	console.error(`error: doctown serve with accounts did not start (exit ${exited}); its log:\n${await readFile(serveLog, 'utf8').catch(() => '')}`);
	await standins.close();
	process.exit(1);
}

const owner = await launch();
const page = await owner.context.newPage();
const { step, screenshot, failures } = createHarness({ page, out });
// Failed requests the steps provoke on purpose (a quota's 402, a revoked link's 404).
const expectedFailures = [];
const problems = [];
function watch(p, who) {
	p.on('dialog', (dialog) => dialog.accept());
	p.on('pageerror', (err) => problems.push(`${who}: page error: ${err.message}`));
	p.on('console', (msg) => {
		if (msg.type() !== 'error') return;
		const url = msg.location().url ?? '';
		if (msg.text().startsWith('Failed to load resource') && expectedFailures.some((re) => re.test(url))) return;
		problems.push(`${who}: console error: ${msg.text()} (${url})`);
	});
}
watch(page, 'owner');

console.log(`E2E accounts against ${base}; GitHub and Stripe stand-ins at ${standins.url}`);
const secretRepo = 'https://github.com/ada/secret';
let firstJob;
let shareLink;

async function submitBuild(p) {
	await p.goto(base);
	await p.getByLabel('Repository').fill(secretRepo);
	await p.getByRole('button', { name: 'Build docpack' }).click();
}

await step('signed out: sign-in is offered instead of the build form', async () => {
	await page.goto(base);
	await page.getByTestId('sign-in-to-build').waitFor();
	assert((await page.getByLabel('Repository').count()) === 0, 'the build form is shown to a signed-out visitor');
	await page.goto(`${base}/account`);
	await page.getByText('Sign in to see your plan, usage and jobs').waitFor();
	await screenshot('signed-out');
});

await step('a forged sign-in lands on the sign-in page with the reason', async () => {
	expectedFailures.push(/\/auth\/github\/callback/);
	await page.goto(`${base}/auth/github/callback?code=stolen&state=forged`);
	await page.waitForURL(/\/sign-in\?error=/);
	await page.getByTestId('sign-in-error').filter({ hasText: 'not started by this browser' }).waitFor();
	await page.getByRole('link', { name: 'Try again' }).waitFor();
	assert(!(await owner.context.cookies(base)).some((c) => c.name === 'doctown_session'), 'a session after a forged sign-in');
	await screenshot('sign-in-failed');
});

await step('sign in through the stand-in GitHub', async () => {
	await page.goto(base);
	await page.getByTestId('account-menu').getByRole('link', { name: 'Sign in with GitHub' }).click();
	await page.getByRole('link', { name: 'Your account: ada' }).waitFor();
	assert(new URL(page.url()).pathname === '/', `came back to ${page.url()}`);
	const cookie = (await owner.context.cookies(base)).find((c) => c.name === 'doctown_session');
	assert(cookie && cookie.httpOnly && cookie.sameSite === 'Lax', `session cookie ${JSON.stringify(cookie)}`);
	await page.getByLabel('Repository').waitFor();
	await screenshot('signed-in');
});

await step('the dashboard shows the free plan and its usage', async () => {
	await page.goto(`${base}/account`);
	await page.getByTestId('plan-name').filter({ hasText: 'Free' }).waitFor();
	assert((await page.getByTestId('jobs-used').innerText()).trim() === '0 of 1', await page.getByTestId('jobs-used').innerText());
	await page.getByText('No jobs yet').waitFor();
});

await step('the free plan refuses a private repository, saying why', async () => {
	expectedFailures.push(/\/jobs$/);
	await submitBuild(page);
	await page.getByRole('alert').filter({ hasText: 'your plan does not include private repositories' }).waitFor();
	await page.getByTestId('quota').waitFor();
	await screenshot('private-refused');
});

await step('upgrade to Creator through the stand-in Stripe Checkout', async () => {
	await page.getByTestId('quota').getByRole('link', { name: 'See the plans' }).click();
	await page.waitForURL(/\/account\/billing$/);
	await page.getByRole('button', { name: 'Upgrade to Creator' }).click();
	await page.getByRole('heading', { name: 'Subscribe to Doctown creator' }).waitFor();
	await screenshot('stripe-checkout');
	await page.getByRole('button', { name: 'Pay and subscribe' }).click();
	await page.waitForURL(/\/account\/billing\?checkout=success$/);
	await page.getByTestId('plan-name').filter({ hasText: 'Creator' }).waitFor({ timeout: 30_000 });
	await page.getByText('Thank you: you are on the Creator plan.').waitFor();
	const hook = standins.seen.webhooks.at(-1);
	assert(hook?.status === 200 && hook.body.includes('applied'), `webhook answered ${JSON.stringify(hook)}`);
	await screenshot('upgraded');
});

await step('the private repository builds on the Creator plan', async () => {
	await submitBuild(page);
	await page.waitForURL(/\/job\/[^/]+$/);
	firstJob = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1));
	await page.locator('[data-testid="job-status"]').filter({ hasText: /succeeded|partial/ }).waitFor({ timeout: pipelineTimeout });
	await screenshot('private-built');
});

await step("the user's GitHub token is nowhere in the store or the server's log", async () => {
	const token = standins.tokenOf('ada');
	assert(standins.seen.tokensUsed.has(`ada GET /api/repos/ada/secret/tarball/c0ffee0123456789abcdef0123456789abcdef01`), 'ingest did not fetch with the owner token');
	const files = [...(await filesUnder(store)), serveLog];
	for (const file of files) {
		const text = (await readFile(file)).toString('latin1');
		assert(!text.includes(token), `the token is in ${file}`);
	}
	console.log(`    ${files.length} files checked`);
});

await step('the library lists it as private; sharing makes a link', async () => {
	await page.goto(`${base}/library`);
	const item = page.locator(`li[data-job="${firstJob}"]`);
	await item.waitFor();
	assert((await item.locator('.name').innerText()).trim() === 'secret', `named ${await item.locator('.name').innerText()}`);
	assert((await item.getByTestId('visibility').innerText()).trim() === 'private', 'not private');
	await item.getByRole('button', { name: 'Create share link' }).click();
	const link = item.getByTestId('share-link');
	await link.waitFor();
	shareLink = await link.inputValue();
	assert(shareLink.startsWith(`${base}/s/`), `share link ${shareLink}`);
	await screenshot('library-shared');
});

const visitor = await launch();
const other = await visitor.context.newPage();
watch(other, 'visitor');

await step('signed out, the share link opens the private docpack; the job itself stays hidden', async () => {
	expectedFailures.push(new RegExp(`/jobs/${firstJob}(/docpack)?$`));
	await other.goto(`${base}/explore?job=${encodeURIComponent(firstJob)}`);
	await other.getByRole('alert').or(other.getByText(/not found|no such job/i).first()).first().waitFor();
	await other.goto(shareLink);
	const card = other.getByTestId('shared-docpack');
	await card.waitFor();
	assert((await card.innerText()).includes('Shared by ada'), await card.innerText());
	await card.getByRole('link', { name: 'Open in the explorer' }).click();
	await other.getByTestId('verified').waitFor({ timeout: 60_000 });
	await other.getByTestId('architecture-map').waitFor();
	await screenshot('shared-opened', other);
});

await step('revoking the link closes it at once', async () => {
	await page.goto(`${base}/library`);
	const item = page.locator(`li[data-job="${firstJob}"]`);
	await item.getByRole('button', { name: 'Show share link' }).click();
	await item.getByRole('button', { name: 'Revoke link' }).click();
	await item.getByRole('button', { name: 'Create share link' }).waitFor();
	expectedFailures.push(/\/shared\/[^/]+$/);
	await other.goto(shareLink);
	await other.getByTestId('share-error').filter({ hasText: 'revoked' }).waitFor();
	await screenshot('share-revoked', other);
});

await step("a second job fits the plan; a third hits the month's limit", async () => {
	await submitBuild(page);
	await page.waitForURL(/\/job\/[^/]+$/);
	await page.locator('[data-testid="job-status"]').filter({ hasText: /succeeded|partial/ }).waitFor({ timeout: pipelineTimeout });
	await submitBuild(page);
	await page.getByRole('alert').filter({ hasText: "you have used this month's 2 jobs" }).waitFor();
	await screenshot('limit-hit');
	await page.goto(`${base}/account`);
	await page.getByTestId('jobs-left').filter({ hasText: '0' }).waitFor();
	const rows = page.locator('tr[data-job]');
	await rows.nth(1).waitFor();
	assert((await rows.count()) === 2, `history has ${await rows.count()} jobs`);
	const first = await page.locator(`tr[data-job="${firstJob}"]`).innerText();
	assert(/succeeded|partial/.test(first) && /\$\d/.test(first) && /\d+(\.\d+)? (s|ms|min)/.test(first), `history row: ${first}`);
	await screenshot('dashboard-limit');
});

await step('an API key is shown once, works, and stops working when revoked', async () => {
	await page.goto(`${base}/account/keys`);
	await page.getByLabel('Name').fill('ci');
	await page.getByRole('checkbox', { name: /^build/ }).check();
	await page.getByRole('button', { name: 'Create key' }).click();
	const secret = await page.getByTestId('new-key-secret').inputValue();
	assert(/^dt_/.test(secret), `secret ${secret}`);
	const usage = await fetch(`${base}/me/usage`, { headers: { authorization: `Bearer ${secret}` } });
	assert(usage.ok && (await usage.json()).plan === 'creator', `the key could not read usage: ${usage.status}`);
	await page.reload();
	await page.locator('tr[data-key="ci"]').waitFor();
	assert((await page.getByTestId('new-key-secret').count()) === 0, 'the secret is shown again after a reload');
	assert(!(await page.content()).includes(secret), 'the secret is in the page after a reload');
	await page.getByRole('button', { name: 'Revoke ci' }).click();
	await page.getByText('No keys.').waitFor();
	const refused = await fetch(`${base}/me/usage`, { headers: { authorization: `Bearer ${secret}` } });
	assert(refused.status === 401, `a revoked key answered ${refused.status}`);
});

await step('accessibility: the account pages have no serious or critical axe violations', async () => {
	const found = [];
	for (const [path, ready] of [
		['/account', 'plan-name'],
		['/account/billing', 'plan-name'],
		['/library', 'library-controls'],
		['/sign-in?error=an+example', 'sign-in-error'],
		['/account/keys', null]
	]) {
		await page.goto(`${base}${path}`);
		if (ready) await page.getByTestId(ready).first().waitFor();
		else await page.getByRole('button', { name: 'Create key' }).waitFor();
		found.push(...(await axeAudit(page, siteRoot, path)));
	}
	await other.goto(`${base}/s/no-such-token`);
	await other.getByTestId('share-error').waitFor();
	found.push(...(await axeAudit(other, siteRoot, '/s/{revoked}')));
	assert(found.length === 0, found.join('\n'));
});

await step('sign out ends the session', async () => {
	await page.goto(`${base}/account`);
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByTestId('account-menu').getByRole('link', { name: 'Sign in with GitHub' }).waitFor();
	expectedFailures.push(/\/me\/jobs$/);
	const status = await page.evaluate(() => fetch('/me/jobs').then((r) => r.status));
	assert(status === 401, `after sign-out /me/jobs answered ${status}`);
});

await step('no unexpected console errors', async () => {
	assert(problems.length === 0, problems.join('\n'));
});

await visitor.close();
await owner.close();
server.kill('SIGTERM');
await standins.close();
await rm(store, { recursive: true, force: true });
const failed = failures();
console.log(failed ? `E2E accounts: ${failed} step(s) failed; screenshots and serve.log in test-results/e2e-accounts/` : 'E2E accounts: all steps passed');
process.exit(failed ? 1 : 0);
