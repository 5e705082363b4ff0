// End-to-end test in a real browser (Debian Chromium via playwright-core).
//
//   DOCTOWN_E2E_URL   a running `doctown serve` (started with --allow-local);
//                     unset: a mock server (tests/e2e/mock-server.mjs) serves build/
//   DOCTOWN_E2E_REPO  the repository to submit (a local path for a real server)
//   DOCTOWN_BIN       when set, `$DOCTOWN_BIN verify FILE` checks the download
//   DOCTOWN_E2E_TIMEOUT_MS  how long the pipeline may take (default 600000)
//
// Screenshots and the downloaded docpack go to test-results/e2e/.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { launch } from './browser.mjs';
import { assert, axeAudit, createHarness } from './harness.mjs';
import { startMockServer } from './mock-server.mjs';
import { explorerDetails } from './explorer-details.mjs';
import { explorerFirstView } from './explorer-first-view.mjs';
import { verifyDocpack } from '../fixtures/docpack-node.mjs';
import { cannedEvents } from '../fixtures/fixtures.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const siteRoot = resolve(here, '../..');
const out = join(siteRoot, 'test-results/e2e');
const realServer = process.env.DOCTOWN_E2E_URL;
const given = process.env.DOCTOWN_E2E_REPO || 'https://github.com/doctown/fixture';
// A local path is sent absolute (the form accepts /… and ./… paths).
const repo = /^[a-z]+:\/\/|^git@|^(www\.)?github\.com\//i.test(given) ? given : resolve(given);
const pipelineTimeout = Number(process.env.DOCTOWN_E2E_TIMEOUT_MS || 600_000);

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

// The architecture map's fixture: layered-repo (seven Python modules in layers, one
// cycle). A real server builds it; the mock serves the docpack the CLI built of it.
const layeredRepo = join(siteRoot, 'tests/fixtures/layered-repo');
const layeredDocpack = join(siteRoot, 'tests/fixtures/layered.docpack');
// The history views' fixture: the CLI's docpack of a git repository with known commits
// (make-history-docpack.sh). The mock serves it as a job; against a real server it is opened as a file.
const historyDocpack = join(siteRoot, 'tests/fixtures/history.docpack');
const mock = realServer
	? null
	: await startMockServer({ root: join(siteRoot, 'build'), docpackFiles: { 'job-layered': layeredDocpack, 'job-history': historyDocpack } });
const base = (realServer || mock.url).replace(/\/$/, '');
const browser = await launch();
const page = await browser.context.newPage();
const problems = [];
// A search the server cannot answer falls back to the browser's search by design
// (a server without the search route, or the failure the test provokes).
const isSearch = (url) => /\/api\/jobs\/[^/]+\/search$/.test(new URL(url).pathname);
// Likewise the server's impact while a docpack is still being read: the panel computes it in
// the browser once the symbols are in. The mock has recorded answers for layered.docpack only
// (a 501 for the other jobs' symbols, which the panel may ask for first, depending on timing).
const isMockImpact = (url) => mock !== null && /\/api\/jobs\/[^/]+\/impact$/.test(new URL(url).pathname);
page.on('console', (msg) => {
	if (msg.type() !== 'error') return;
	const url = msg.location().url;
	if (msg.text().startsWith('Failed to load resource') && url && (isSearch(url) || isMockImpact(url))) return;
	problems.push(`console error: ${msg.text()} (${msg.location().url})`);
});
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

const { step, screenshot, failures } = createHarness({ page, out });

/** Counts pixels of an element's screenshot that differ from its background colour. */
async function paintedPixels(locator) {
	const png = (await locator.screenshot()).toString('base64');
	return page.evaluate(async (data) => {
		const img = new Image();
		img.src = `data:image/png;base64,${data}`;
		await img.decode();
		const canvas = document.createElement('canvas');
		canvas.width = img.width;
		canvas.height = img.height;
		const ctx = canvas.getContext('2d');
		ctx.drawImage(img, 0, 0);
		const { data: px } = ctx.getImageData(0, 0, img.width, img.height);
		const [r0, g0, b0] = [px[0], px[1], px[2]];
		let painted = 0;
		for (let i = 0; i < px.length; i += 4) {
			if (Math.abs(px[i] - r0) + Math.abs(px[i + 1] - g0) + Math.abs(px[i + 2] - b0) > 60) painted++;
		}
		return { painted, total: px.length / 4 };
	}, png);
}

console.log(`E2E against ${base}${mock ? ' (mock server)' : ''}; repository ${repo}`);
let jobUrl;
let docpackFile;
let docpack;

await step('home page validates the repository URL inline', async () => {
	await page.goto(base);
	const input = page.getByLabel('Repository');
	await input.fill('https://gitlab.com/o/r');
	await input.blur();
	await page.getByText('unsupported host "gitlab.com"').waitFor();
	assert((await input.getAttribute('aria-invalid')) === 'true', 'input not marked invalid');
	assert(await page.getByRole('button', { name: 'Build docpack' }).isDisabled(), 'submit enabled for an invalid URL');
	await input.fill('https://github.com/doctown/fixture/tree/main/src');
	await page.getByText('github.com/doctown/fixture at main, only src/').waitFor();
	await screenshot('home');
});

await step('submit starts a job and events stream in', async () => {
	await page.getByLabel('Repository').fill(repo);
	await page.getByRole('button', { name: 'Build docpack' }).click();
	await page.waitForURL(/\/job\/[^/]+$/);
	jobUrl = page.url();
	await page.locator('.line').first().waitFor({ timeout: 60_000 });
	await screenshot('job-running');
});

await step('the pipeline finishes', async () => {
	await page.locator('[data-testid="job-status"]').filter({ hasText: /succeeded|partial/ }).waitFor({ timeout: pipelineTimeout });
	for (const stage of ['ingest', 'embed', 'assemble', 'generate', 'pack']) {
		const status = await page.locator(`[data-stage="${stage}"]`).getAttribute('data-status');
		assert(['succeeded', 'partial', 'skipped'].includes(status), `stage ${stage} is ${status}`);
	}
	const count = Number((await page.locator('[data-testid="event-count"]').innerText()).replace(/,/g, ''));
	if (mock) {
		// The mock cuts the first stream after 12 events: every event must still arrive exactly once.
		const expected = cannedEvents('x', mock.fixture).length;
		assert(count === expected, `expected ${expected} events after resuming, got ${count}`);
		const types = await page.locator('.line').evaluateAll((lines) => lines.map((l) => l.dataset.type));
		assert(types[types.length - 1] === 'job.completed.v1', 'the last event is not job.completed.v1');
	} else {
		assert(count > 0, 'no events');
	}
	assert(Number(await page.locator('[data-testid="stat-chunks"]').innerText()) > 0, 'no chunks counted');
	await screenshot('job-finished');
});

await step('the docpack downloads and verifies', async () => {
	const link = page.locator('[data-testid="download"]');
	await link.waitFor();
	const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
	assert(download.suggestedFilename().endsWith('.docpack'), `file name ${download.suggestedFilename()}`);
	docpackFile = join(out, download.suggestedFilename());
	await download.saveAs(docpackFile);
	const bytes = await readFile(docpackFile);
	docpack = verifyDocpack(bytes);
	if (process.env.DOCTOWN_BIN) {
		const { stdout } = await promisify(execFile)(process.env.DOCTOWN_BIN, ['verify', docpackFile]);
		console.log(`    doctown verify: ${stdout.trim().split('\n')[0]}`);
	}
	assert(docpack.symbols.length > 0, 'the docpack has no symbols');
});

const names = new Map();
await step('explore: the graph renders', async () => {
	for (const s of docpack.symbols) names.set(s.id, s.name);
	await page.getByTestId('explore').click();
	await page.waitForURL(/\/explore\?job=/);
	await page.getByTestId('verified').waitFor({ timeout: 60_000 });
	// The explorer opens on the architecture map; the symbol graph is one click away.
	await page.getByTestId('architecture-map').waitFor();
	await page.getByRole('tab', { name: 'Symbol graph' }).click();
	await page.waitForFunction(() => window.__doctownGraph && window.__doctownGraph.nodes().length > 0);
	await page.waitForTimeout(800);
	const { painted, total } = await paintedPixels(page.getByTestId('graph'));
	assert(painted > 200, `the graph canvas is nearly empty (${painted} of ${total} pixels painted)`);
	console.log(`    ${painted} of ${total} pixels painted`);
	await screenshot('graph');
});

await step('clicking a node opens its detail', async () => {
	await page.evaluate(() => window.__doctownGraph.stopLayout());
	await page.waitForTimeout(1000); // let the last layout step render (slow without a GPU)
	// Among the most central (biggest) symbols, click the one farthest from its neighbours on screen.
	const candidates = [...docpack.symbols].sort((a, b) => (b.centrality ?? 0) - (a.centrality ?? 0)).slice(0, 30).map((s) => s.id);
	const { id, point } = await page.evaluate((candidates) => {
		const hook = window.__doctownGraph;
		const box = document.querySelector('[data-testid="graph"]').getBoundingClientRect();
		const all = hook.nodes().map((n) => [n, hook.positionOf(n)]);
		let best = null;
		for (const id of candidates) {
			const p = hook.positionOf(id);
			if (!p || p.x < box.left + 20 || p.x > box.right - 20 || p.y < box.top + 20 || p.y > box.bottom - 20) continue;
			let nearest = Infinity;
			for (const [other, q] of all) if (other !== id) nearest = Math.min(nearest, Math.hypot(p.x - q.x, p.y - q.y));
			if (!best || nearest > best.nearest) best = { id, point: p, nearest };
		}
		return best ?? { id: null, point: null };
	}, candidates);
	assert(point, 'no central node is on screen');
	const target = docpack.symbols.find((s) => s.id === id);
	await page.mouse.click(point.x, point.y);
	const detail = page.getByTestId('symbol-detail');
	await detail.waitFor({ timeout: 5000 });
	const shown = await detail.locator('h2').innerText();
	assert(shown === target.name, `clicked ${target.name}, detail shows ${shown}`);
	await screenshot('node-detail');
});

await step('search finds a symbol and selects it', async () => {
	const target = docpack.symbols.find((s) => docpack.symbols.filter((o) => o.name === s.name).length === 1) ?? docpack.symbols[0];
	await page.getByLabel('Search symbols').fill(target.name);
	const option = page.getByRole('option').filter({ hasText: target.name }).first();
	await option.waitFor();
	await page.getByLabel('Search symbols').press('Enter');
	await page.getByTestId('symbol-detail').locator('h2', { hasText: target.name }).waitFor();
	await screenshot('search');
});

const listTexts = (locator) => locator.evaluateAll((items) => items.map((i) => i.textContent.replace(/\s+/g, ' ').trim()));

await step('server search: the box shows the server\'s results', async () => {
	// A fresh page: a server without the search route made the last one search in the browser only.
	await page.reload();
	await page.getByTestId('verified').waitFor({ timeout: 60_000 });
	const [first, second] = [...docpack.symbols].sort((a, b) => (b.centrality ?? 0) - (a.centrality ?? 0));
	const canned = {
		query: 'where is state written durably',
		mode: 'hybrid',
		used: ['lexical', 'semantic'],
		hits: [first, second].map((s, i) => ({
			id: s.id,
			name: s.qualified_name,
			kind: s.kind,
			path: s.path,
			line: s.range.start_line,
			score: 0.9 - i / 10,
			signature: s.signature,
			summary: i === 0 ? 'Canned summary from the server.' : undefined,
			related: i === 0 ? [{ relation: 'called_by', id: second.id, name: second.qualified_name, kind: second.kind, path: second.path, line: second.range.start_line }] : undefined
		})),
		notes: ['canned answer from the browser test']
	};
	const asked = [];
	await page.route(isSearch, (route) => {
		asked.push(new URL(route.request().url()));
		return route.fulfill({ json: canned });
	});
	try {
		const box = page.getByLabel('Search symbols');
		await box.fill('where is state written durably');
		const list = page.locator('#symbol-search-results[data-source="server"]');
		await list.waitFor({ timeout: 10_000 });
		const shown = await listTexts(list.getByRole('option'));
		assert(shown.length === 2, `expected the 2 canned hits, got ${JSON.stringify(shown)}`);
		assert(shown[0].startsWith(first.qualified_name) && shown[0].includes(`${first.path}:${first.range.start_line}`), `first hit shows ${shown[0]}`);
		assert(shown[0].includes('Canned summary from the server.') && shown[0].includes('called by'), `first hit lacks its summary or relations: ${shown[0]}`);
		assert(shown[1].includes(`${second.path}:${second.range.start_line}`), `second hit shows ${shown[1]}`);
		await page.getByTestId('search-notes').filter({ hasText: 'canned answer from the browser test' }).waitFor();
		assert(/2 results · hybrid/.test(await page.getByTestId('search-status').innerText()), 'no server status');
		const last = asked[asked.length - 1];
		assert(last?.searchParams.get('q') === 'where is state written durably' && last.searchParams.get('limit') === '20', `asked ${last}`);
		await screenshot('server-search');
		await box.press('ArrowDown');
		await box.press('Enter');
		await page.getByTestId('symbol-detail').locator('h2', { hasText: second.name }).waitFor();
	} finally {
		await page.unroute(isSearch);
	}
});

await step('server search: when it fails, the browser\'s results appear', async () => {
	const target = docpack.symbols.find((s) => docpack.symbols.filter((o) => o.name === s.name).length === 1) ?? docpack.symbols[0];
	let failed = 0;
	await page.route(isSearch, (route) => {
		failed++;
		return route.fulfill({ status: 500, json: { error: 'search is down' } });
	});
	try {
		const box = page.getByLabel('Search symbols');
		await box.fill('');
		await box.fill(target.name);
		await page.getByTestId('search-status').filter({ hasText: 'in this browser' }).waitFor({ timeout: 10_000 });
		assert(failed > 0, 'the server was not asked');
		const list = page.locator('#symbol-search-results[data-source="docpack"]');
		await list.getByRole('option').filter({ hasText: `${target.path}:${target.range.start_line}` }).first().waitFor();
		await screenshot('search-fallback');
	} finally {
		await page.unroute(isSearch);
	}
});

let jobSymbols = [];
await step('files & symbols list the docpack symbols', async () => {
	await page.getByLabel('Search symbols').press('Escape'); // close the suggestions over the tabs
	await page.getByRole('tab', { name: 'Files & symbols' }).click();
	const count = Number(await page.getByTestId('symbol-count').innerText());
	assert(count === docpack.symbols.length, `list shows ${count} symbols, docpack has ${docpack.symbols.length}`);
	jobSymbols = await page.locator('[data-symbol]').evaluateAll((b) => b.map((x) => x.dataset.symbol));
	await screenshot('symbols');
});

await step('opening the downloaded file locally shows the same symbols', async () => {
	await page.goto(`${base}/explore`);
	await page.getByTestId('docpack-file').setInputFiles(docpackFile);
	await page.getByTestId('verified').waitFor({ timeout: 60_000 });
	await page.getByRole('tab', { name: 'Files & symbols' }).click();
	const local = await page.locator('[data-symbol]').evaluateAll((b) => b.map((x) => x.dataset.symbol));
	assert(JSON.stringify(local) === JSON.stringify(jobSymbols), 'local symbols differ from the job view');
	await screenshot('local-docpack');
});

await step('the symbol panel shows impact and flows (the shop docpack)', async () => {
	// tests/fixtures/shop.docpack: the CLI's query fixture, built by the doctown CLI.
	await page.goto(`${base}/explore`);
	await page.getByTestId('docpack-file').setInputFiles(join(siteRoot, 'tests/fixtures/shop.docpack'));
	await page.getByTestId('verified').waitFor({ timeout: 60_000 });
	const box = page.getByLabel('Search symbols');
	await box.fill('tax_for');
	await page.getByRole('option').filter({ hasText: 'tax_for' }).first().waitFor();
	await box.press('Enter');
	const detail = page.getByTestId('symbol-detail');
	await detail.locator('h2', { hasText: 'tax_for' }).waitFor();
	const affected = await listTexts(detail.getByTestId('impact-affected').locator('li'));
	const expected = ['d1 function price_order', 'd2 function refund_order', 'd2 function place_order', 'd3 function refund_route', 'd3 function create_order_route'];
	assert(JSON.stringify(affected) === JSON.stringify(expected), `impact lists ${JSON.stringify(affected)}`);
	const tests = await listTexts(detail.getByTestId('impact-tests').locator('li'));
	assert(JSON.stringify(tests) === JSON.stringify(['function test_place_order_rejects_empty', 'function test_price_includes_tax']), `tests ${JSON.stringify(tests)}`);
	assert((await detail.getByTestId('impact-modules').innerText()).includes('shop'), 'no module');
	const flows = detail.getByTestId('flow');
	await flows.nth(1).waitFor();
	const shown = await listTexts(flows);
	assert(shown.length === 2, `flows ${JSON.stringify(shown)}`);
	assert(shown[0].startsWith('route create_order_route → place_order → price_order → tax_for'), `first flow ${shown[0]}`);
	assert(shown[1].startsWith('route refund_route → refund_order → price_order → tax_for'), `second flow ${shown[1]}`);
	await detail.getByTestId('flows').scrollIntoViewIfNeeded();
	await screenshot('impact-and-flows');
	await detail.getByLabel('Impact depth').selectOption('1');
	const one = await listTexts(detail.getByTestId('impact-affected').locator('li'));
	assert(JSON.stringify(one) === JSON.stringify(['d1 function price_order']), `depth 1 lists ${JSON.stringify(one)}`);
	await flows.nth(1).getByRole('button', { name: 'refund_order' }).click();
	await detail.locator('h2', { hasText: 'refund_order' }).waitFor();
	const refund = await listTexts(detail.getByTestId('flow'));
	assert(refund.length === 1 && refund[0].startsWith('route refund_route'), `refund_order flows ${JSON.stringify(refund)}`);
});

// ---------------------------------------------------------------- architecture map

/** The job of the layered fixture: built by the real server, or the mock's. */
async function layeredJob() {
	if (mock) return 'job-layered';
	return serverJob(layeredRepo, 'layered');
}

/** Submits a local repository to the real server and waits until its docpack is built. */
async function serverJob(repoPath, label) {
	const created = await fetch(`${base}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ repo_url: repoPath }) });
	if (!created.ok) throw new Error(`POST /api/jobs: ${created.status} ${await created.text()}`);
	const { job_id: id } = await created.json();
	const until = Date.now() + pipelineTimeout;
	for (;;) {
		const state = await (await fetch(`${base}/api/jobs/${encodeURIComponent(id)}`)).json();
		if (['succeeded', 'partial'].includes(state.status)) return id;
		assert(!['failed', 'cancelled'].includes(state.status), `the ${label} job ${state.status}: ${JSON.stringify(state.error ?? state.stages)}`);
		assert(Date.now() < until, `the ${label} job did not finish in time`);
		await new Promise((ok) => setTimeout(ok, 500));
	}
}

/** Module keys of the boxes, and `from>to` of the arrows, on the map. */
async function mapContents() {
	const boxes = await page.getByTestId('module-box').evaluateAll((list) => list.map((b) => b.dataset.key).sort());
	const arrows = await page.locator('path.dep[data-from]').evaluateAll((list) => list.map((p) => `${p.dataset.from}>${p.dataset.to}`).sort());
	return { boxes, arrows };
}

const LAYERED_MODULES = ['api', 'app', 'cache', 'core', 'storage', 'util'].map((m) => `module:${m}`);
const LAYERED_DEPENDENCIES = ['api>core', 'app>api', 'cache>storage', 'core>storage', 'core>util', 'storage>cache', 'storage>util'].map((d) => d.replace(/(\w+)>(\w+)/, 'module:$1>module:$2')).sort();
/** Drawn only for a selected box: core reaches util through storage as well. */
const LAYERED_IMPLIED = ['module:core>module:util'];
const LAYERED_DRAWN = LAYERED_DEPENDENCIES.filter((d) => !LAYERED_IMPLIED.includes(d));
let layeredId;
let layered;
const layeredName = (id) => layered.symbols.find((s) => s.id === id)?.name;
const layeredUrl = () => `${base}/explore?job=${encodeURIComponent(layeredId)}`;

await step('architecture map: the fixture’s modules, dependencies and its cycle', async () => {
	layeredId = await layeredJob();
	layered = verifyDocpack(Buffer.from(await (await fetch(`${base}/api/jobs/${encodeURIComponent(layeredId)}/docpack`)).arrayBuffer()));
	await page.goto(layeredUrl());
	await page.getByTestId('map-svg').waitFor({ timeout: 60_000 });
	assert((await page.getByRole('tab', { name: 'Architecture' }).getAttribute('aria-selected')) === 'true', 'the explorer did not open on the map');
	// The module level came from docs.json (format 1.4), posted by the reader's worker before graph.json.
	const fromDocs = await page.evaluate(() => performance.getEntriesByName('doctown:architecture-from-docs').length);
	assert(fromDocs === 1, 'the map was not drawn from the module level docs.json states');
	const { boxes, arrows } = await mapContents();
	assert(JSON.stringify(boxes) === JSON.stringify(LAYERED_MODULES), `boxes ${JSON.stringify(boxes)}`);
	assert(JSON.stringify(arrows) === JSON.stringify(LAYERED_DRAWN), `arrows ${JSON.stringify(arrows)}`);
	// Layers: every arrow between different layers points down.
	const tops = Object.fromEntries(await page.getByTestId('module-box').evaluateAll((list) => list.map((b) => [b.dataset.key, b.getBoundingClientRect().top])));
	for (const a of arrows) {
		const [from, to] = a.split('>');
		const cyclic = ['module:storage', 'module:cache'].includes(from) && ['module:storage', 'module:cache'].includes(to);
		assert(cyclic ? tops[from] === tops[to] : tops[from] < tops[to], `${a} does not point down (${tops[from]} → ${tops[to]})`);
	}
	const cycle = page.getByTestId('cycle-outline');
	assert((await cycle.count()) === 1, `${await cycle.count()} cycles drawn`);
	assert((await cycle.getAttribute('data-members')).split(' ').sort().join(' ') === 'module:cache module:storage', 'the cycle is not storage ⇄ cache');
	const marked = await page.locator('[data-testid="module-box"][data-in-cycle="true"]').evaluateAll((list) => list.map((b) => b.dataset.key).sort());
	assert(JSON.stringify(marked) === JSON.stringify(['module:cache', 'module:storage']), `marked ${JSON.stringify(marked)}`);
	const listed = await listTexts(page.getByTestId('cycle'));
	assert(listed.join() === 'cache ⇄ storage', `the cycle listed is ${JSON.stringify(listed)}`);
	assert((await page.getByTestId('cycle-count').innerText()) === '1 cycle', 'no cycle count');
	await screenshot('architecture-map');
	// Test code is left out until asked for; it adds a box and no arrow (its calls are tests).
	await page.getByLabel(/tests & examples/).check();
	const all = await mapContents();
	assert(all.boxes.includes('module:tests'), 'no tests box');
	assert(JSON.stringify(all.arrows) === JSON.stringify(LAYERED_DRAWN), `arrows with tests ${JSON.stringify(all.arrows)}`);
	await page.getByLabel(/tests & examples/).uncheck();
	// A selected box shows every dependency of its own, the implied ones too.
	await page.locator('[data-testid="module-box"][data-key="module:core"]').click();
	const selected = await mapContents();
	assert(LAYERED_IMPLIED.every((d) => selected.arrows.includes(d)), `arrows of the selected core ${JSON.stringify(selected.arrows)}`);
	await page.goto(layeredUrl());
	await page.getByTestId('map-svg').waitFor({ timeout: 60_000 });
});

await step('architecture map: keyboard navigation with visible focus', async () => {
	await page.locator('[data-testid="module-box"][data-key="module:app"]').focus();
	await page.keyboard.press('ArrowDown');
	await page.waitForFunction(() => document.activeElement?.dataset?.key !== 'module:app', null, { timeout: 2000 }).catch(() => {});
	const focused = await page.evaluate(() => ({ key: document.activeElement?.dataset?.key, outline: getComputedStyle(document.activeElement).outlineStyle }));
	assert(focused.key === 'module:api', `ArrowDown from app focused ${focused.key}`);
	await page.keyboard.press('Enter');
	await page.locator('[data-testid="module-panel"][data-key="module:api"]').waitFor();
	assert(new URL(page.url()).searchParams.get('module') === 'module:api', `URL ${page.url()}`);
	// Keyboard focus is visible: an outline, or the box's focus ring.
	await page.locator('[data-testid="module-box"][data-key="module:api"]').focus();
	await page.keyboard.press('ArrowDown');
	const ring = await page.evaluate(() => {
		const el = document.activeElement;
		return { key: el?.dataset?.key, outline: getComputedStyle(el).outlineStyle, stroke: getComputedStyle(el.querySelector('.body')).strokeWidth };
	});
	assert(ring.key === 'module:core', `ArrowDown from api focused ${ring.key}`);
	assert(ring.outline !== 'none' || parseFloat(ring.stroke) >= 2.5, `no visible focus: ${JSON.stringify(ring)}`);
	await page.keyboard.press('Escape');
	await page.getByTestId('module-panel').waitFor({ state: 'detached' });
});

await step('a module opens its panel and drills down to its symbol graph', async () => {
	await page.locator('[data-testid="module-box"][data-key="module:storage"]').click();
	const panel = page.getByTestId('module-panel');
	await page.locator('[data-testid="module-panel"][data-key="module:storage"]').waitFor();
	const names = async (testId) => (await listTexts(panel.getByTestId(testId).locator('li button'))).sort();
	assert(JSON.stringify(await names('module-depends')) === JSON.stringify(['cache', 'util']), `depends on ${await names('module-depends')}`);
	assert(JSON.stringify(await names('module-used')) === JSON.stringify(['cache', 'core']), `used by ${await names('module-used')}`);
	const central = await listTexts(panel.getByTestId('module-central').locator('li button'));
	assert(central.includes('save') && central.includes('load'), `central ${central}`);
	await screenshot('module-panel');
	await panel.getByTestId('drill-down').click();
	await page.getByTestId('drill-banner').waitFor();
	await page.waitForFunction(() => window.__doctownGraph && window.__doctownGraph.nodes().length > 0);
	const drilled = (await page.evaluate(() => window.__doctownGraph.nodes())).map(layeredName).sort();
	// storage's symbols and, in other modules, what they call and what calls them (confidently).
	assert(JSON.stringify(drilled) === JSON.stringify(['_rows', 'fmt', 'load', 'process', 'remember', 'save']), `drilled ${JSON.stringify(drilled)}`);
	assert(new URL(page.url()).searchParams.get('view') === 'graph', 'the URL does not say graph');
	await screenshot('drill-down');
	await page.getByTestId('full-graph').click();
	await page.waitForFunction((n) => window.__doctownGraph?.nodes().length === n, layered.symbols.length);
});

await step('flows: from main across the modules, as a sequence', async () => {
	await page.getByRole('tab', { name: 'Flows' }).click();
	await page.getByTestId('flow-item').first().waitFor();
	const main = page.getByTestId('flow-item').filter({ hasText: /^main/ }).first();
	await main.click();
	const lanes = await page.getByTestId('lifeline').evaluateAll((list) => list.map((l) => l.textContent.trim()));
	assert(JSON.stringify(lanes) === JSON.stringify(['app', 'api', 'core', 'storage', 'cache']), `lifelines ${JSON.stringify(lanes)}`);
	const messages = await page.getByTestId('message').evaluateAll((list) => list.map((m) => `${m.dataset.from}>${m.dataset.to}`));
	assert(JSON.stringify(messages) === JSON.stringify(['app>api', 'api>core', 'core>storage', 'storage>cache', 'cache>storage']), `messages ${JSON.stringify(messages)}`);
	await screenshot('flows');
});

// ---------------------------------------------------------------- ask and impact (the server's query engine)

/** GET on the server (the mock replays the engine's recorded answers; a real server asks its engine). */
const apiGet = async (path) => {
	const r = await fetch(`${base}/api/jobs/${encodeURIComponent(layeredId)}${path}`);
	return { status: r.status, body: await r.json() };
};

await step('ask: a cited answer whose citations open the symbol panel (keyboard)', async () => {
	const question = 'how is a row saved';
	const { status, body: expected } = await apiGet(`/ask?q=${encodeURIComponent(question)}`);
	assert(status === 200 && expected.cited.length > 0, `the server's answer: ${status} ${JSON.stringify(expected).slice(0, 300)}`);
	await page.goto(layeredUrl());
	await page.getByTestId('map-svg').waitFor({ timeout: 60_000 });
	await page.getByRole('tab', { name: 'Ask' }).click();
	assert(new URL(page.url()).searchParams.get('view') === 'ask', `URL ${page.url()}`);
	const box = page.getByLabel('Question');
	// An empty question is refused before it is sent.
	await box.focus();
	await page.keyboard.press('Enter');
	await page.getByTestId('ask-error').filter({ hasText: 'Type a question first.' }).waitFor();
	await box.fill(question);
	await page.keyboard.press('Enter');
	const answer = page.getByTestId('ask-answer');
	await answer.waitFor({ timeout: 30_000 });
	const by = await page.getByTestId('ask-model').innerText();
	assert(expected.model === 'evidence' ? by.startsWith('The evidence, ranked') : by.includes(expected.model), `model line ${by}`);
	// Every citation the server resolved is a link to its symbol; every other citation the docpack resolves too.
	const links = await answer.getByTestId('citation').evaluateAll((list) => list.map((b) => `${b.textContent}>${b.dataset.symbol}`));
	for (const c of expected.cited) assert(links.includes(`${c.cite}>${c.id}`), `${c.cite} is not linked to ${c.id}: ${JSON.stringify(links)}`);
	const unlinked = await answer.getByTestId('citation-unlinked').count();
	assert(unlinked === (expected.unverified?.length ?? 0), `${unlinked} citations left unlinked`);
	for (const link of links) {
		const [cite, id] = link.split('>');
		const s = layered.symbols.find((x) => x.id === id);
		assert(s && cite.replace(/-\d+$/, '').split(':')[0] === s.path, `${cite} links to ${id} (${s?.path})`);
	}
	await screenshot('ask');
	// Keyboard: Tab to the first citation, Enter opens its symbol.
	const first = expected.cited[0];
	await answer.getByTestId('citation').first().focus();
	const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
	assert(ring !== 'none', 'the focused citation shows no outline');
	await page.keyboard.press('Enter');
	const name = layered.symbols.find((x) => x.id === first.id).name;
	await page.getByTestId('symbol-detail').locator('h2', { hasText: name }).waitFor();
	assert(new URL(page.url()).searchParams.get('symbol') === first.id, `URL ${page.url()}`);
	// The question is in the URL: a link to it opens the same answer.
	assert(new URL(page.url()).searchParams.get('ask') === question, `URL ${page.url()}`);
	const other = await browser.context.newPage();
	try {
		await other.goto(page.url());
		await other.getByTestId('ask-answer').waitFor({ timeout: 60_000 });
		assert((await other.getByLabel('Question').inputValue()) === question, 'the shared link lost the question');
		const again = await other.getByTestId('ask-answer').getByTestId('citation').evaluateAll((list) => list.map((b) => `${b.textContent}>${b.dataset.symbol}`));
		assert(JSON.stringify(again) === JSON.stringify(links), `the shared answer differs: ${JSON.stringify(again)}`);
	} finally {
		await other.close();
	}
	// The server refuses what the box refuses, in one line.
	const long = await apiGet(`/ask?q=${'x'.repeat(2001)}`);
	assert(long.status === 400 && long.body.error === 'q: a question is at most 2000 characters (this one has 2001)', `long: ${JSON.stringify(long)}`);
	const empty = await apiGet('/ask?q=%20');
	assert(empty.status === 400 && empty.body.error === 'q: the question is empty', `empty: ${JSON.stringify(empty)}`);
});

await step('impact: the symbol panel agrees with the server’s /impact', async () => {
	const save = layered.symbols.find((s) => s.name === 'save');
	const { status, body } = await apiGet(`/impact?symbol=${encodeURIComponent(save.id)}`);
	assert(status === 200, `impact: ${status} ${JSON.stringify(body)}`);
	await page.goto(`${layeredUrl()}&symbol=${encodeURIComponent(save.id)}`);
	const detail = page.getByTestId('symbol-detail');
	await detail.locator('h2', { hasText: 'save' }).waitFor({ timeout: 60_000 });
	assert((await detail.locator('#impact-title').innerText()).startsWith('What changing it affects'), 'no impact heading');
	const shown = await listTexts(detail.getByTestId('impact-affected').locator('li'));
	const simple = (id) => layered.symbols.find((s) => s.id === id);
	const served = body.affected.map((a) => `d${a.depth} ${a.kind} ${simple(a.id).name}`);
	assert(shown.length > 0 && JSON.stringify(shown) === JSON.stringify(served), `panel ${JSON.stringify(shown)}, server ${JSON.stringify(served)}`);
	const summary = await detail.getByTestId('impact-summary').innerText();
	assert(summary.includes(`by depth: ${body.by_depth.join(', ')}`), `summary ${summary}, server ${body.by_depth}`);
	const modules = await detail.getByTestId('impact-modules').innerText();
	for (const [m, n] of body.modules) assert(modules.includes(`${m} ${n}`), `modules ${modules}, server ${JSON.stringify(body.modules)}`);
	const unknown = await apiGet('/impact?symbol=no_such_symbol');
	assert(unknown.status === 404 && unknown.body.error === 'no symbol "no_such_symbol"; search for it first', `unknown: ${JSON.stringify(unknown)}`);
	const none = await apiGet('/impact?symbol=');
	assert(none.status === 400 && none.body.error === 'symbol: name a symbol (an id or a name)', `empty: ${JSON.stringify(none)}`);
});

// The docpack read by the server for the tab (one larger than a tab reads; `reader=server` asks for it):
// the real server's outline, members and symbol routes, so not against the mock.
if (realServer) {
	await step('read by the server: the map, a module’s symbols, a symbol and search, without the download', async () => {
		await page.goto(`${layeredUrl()}&reader=server`);
		await page.getByTestId('map-svg').waitFor({ timeout: 60_000 });
		assert((await page.getByTestId('server-reads').count()) === 1, 'the header does not say the server reads it');
		const downloads = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname.endsWith('/docpack')).length);
		assert(downloads === 0, `the tab downloaded the docpack ${downloads} times`);
		const { boxes, arrows } = await mapContents();
		assert(JSON.stringify(boxes) === JSON.stringify(LAYERED_MODULES), `boxes ${JSON.stringify(boxes)}`);
		assert(JSON.stringify(arrows) === JSON.stringify(LAYERED_DRAWN), `arrows ${JSON.stringify(arrows)}`);
		await page.locator('[data-testid="module-box"][data-key="module:storage"]').click();
		const listed = page.getByTestId('server-members').locator('ol li button');
		await listed.first().waitFor({ timeout: 30_000 });
		const served = await apiGet('/members?box=module%3Astorage&limit=50');
		assert(served.status === 200, `members: ${served.status} ${JSON.stringify(served.body)}`);
		const names = await listTexts(listed);
		assert(names.length > 0 && JSON.stringify(names) === JSON.stringify(served.body.members.map((m) => m.name)), `panel ${JSON.stringify(names)}, server ${JSON.stringify(served.body.members)}`);
		const inStorage = layered.symbols.filter((x) => x.path.startsWith('storage/')).map((x) => x.id).sort();
		assert(JSON.stringify(served.body.members.map((m) => m.id).sort()) === JSON.stringify(inStorage), 'the server’s members of storage are not the symbols of storage/');
		await screenshot('read-by-the-server-module');
		const first = served.body.members[0];
		await listed.first().click();
		const detail = page.locator('[data-testid="symbol-detail"][data-source="server"]');
		await detail.waitFor({ timeout: 30_000 });
		const record = layered.symbols.find((x) => x.id === first.id);
		assert((await detail.locator('.signature').innerText()).trim() === record.signature.trim(), `signature ${await detail.locator('.signature').innerText()} is not ${record.signature}`);
		await page.getByTestId('server-impact').waitFor();
		const box = page.getByLabel('Search symbols');
		await box.fill('save');
		const hit = page.locator('#symbol-search-results[data-source="server"] [role="option"]').first();
		await hit.waitFor({ timeout: 30_000 });
		await box.press('Escape');
		await page.getByRole('tab', { name: 'Flows' }).click();
		await page.getByTestId('on-server').waitFor();
		await screenshot('read-by-the-server');
	});
}

await step('a docpack opened from a file is asked in the browser, its answer the cited evidence', async () => {
	await page.goto(`${base}/explore`);
	await page.getByTestId('docpack-file').setInputFiles(layeredDocpack);
	await page.getByTestId('verified').waitFor({ timeout: 60_000 });
	await page.getByRole('tab', { name: 'Ask' }).click();
	await page.getByLabel(/question/i).fill('where is a stored value read');
	await page.getByLabel(/question/i).press('Enter');
	const answer = page.getByTestId('ask-answer');
	await answer.waitFor();
	const citations = await page.getByTestId('citation').evaluateAll((list) => list.map((c) => c.dataset.symbol));
	const load = layered.symbols.find((s) => s.name === 'load');
	assert(citations[0] === load.id, `the first citation is ${citations[0]}, not load`);
	await page.getByTestId('citation').first().click();
	await page.getByTestId('symbol-detail').locator('h2', { hasText: 'load' }).waitFor();
	await screenshot('local-ask');
	await page.getByRole('tab', { name: 'Architecture' }).click();
	// The impact panel needs no server: it is computed from the docpack's confident calls.
	const box = page.getByLabel('Search symbols');
	await box.fill('save');
	await page.getByRole('option').filter({ hasText: 'save' }).first().waitFor();
	await box.press('Enter');
	await page.getByTestId('symbol-detail').getByTestId('impact-affected').waitFor();
});

await step('a shared link opens the same place; back returns', async () => {
	const save = layered.symbols.find((s) => s.name === 'save');
	const shared = `${layeredUrl()}&view=map&module=${encodeURIComponent('module:storage')}&symbol=${encodeURIComponent(save.id)}&q=save`;
	const other = await browser.context.newPage();
	try {
		await other.goto(shared);
		await other.getByTestId('symbol-detail').locator('h2', { hasText: 'save' }).waitFor({ timeout: 60_000 });
		assert((await other.getByLabel('Search symbols').inputValue()) === 'save', 'the search is not restored');
		assert((await other.locator('[data-testid="module-box"][data-key="module:storage"]').getAttribute('aria-pressed')) === 'true', 'storage is not selected on the map');
		// Close the symbol: the module panel is back; the URL follows.
		await other.getByRole('button', { name: 'Close details' }).click();
		await other.getByTestId('module-panel').waitFor();
		assert(!new URL(other.url()).searchParams.has('symbol'), `URL still has the symbol: ${other.url()}`);
		// A flow's link.
		await other.getByRole('tab', { name: 'Flows' }).click();
		await other.getByTestId('flow-item').filter({ hasText: /^main/ }).first().click();
		const flowUrl = other.url();
		assert(new URL(flowUrl).searchParams.get('flow'), `no flow in ${flowUrl}`);
		// Back: the flows without that flow; back again: the map.
		await other.goBack();
		await other.getByTestId('flows-view').waitFor();
		assert(!new URL(other.url()).searchParams.has('flow'), `back kept the flow: ${other.url()}`);
		await other.goBack();
		await other.getByTestId('architecture-map').waitFor();
		await other.goto(flowUrl);
		await other.getByTestId('sequence').waitFor({ timeout: 60_000 });
		assert((await other.getByTestId('flow-item').filter({ hasText: /^main/ }).first().getAttribute('aria-current')) === 'true', 'the shared flow is not the one shown');
	} finally {
		await other.close();
	}
});

// ---------------------------------------------------------------- history

/**
 * The job of the history fixture's repository: the mock serves history.docpack; a real
 * server builds the repository that make-history-repo.sh makes (per file, as jobs do).
 */
async function historyJob() {
	if (mock) return 'job-history';
	const dir = await mkdtemp(join(tmpdir(), 'doctown-history-'));
	try {
		await promisify(execFile)('bash', [join(siteRoot, 'tests/fixtures/make-history-repo.sh'), join(dir, 'shipshape')]);
		return await serverJob(join(dir, 'shipshape'), 'history');
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

/** Opens history.docpack's History tab (the mock's job, or the file against a real server: its jobs have no symbol pass). */
async function openHistory(on = page, query = '&view=history') {
	if (mock) await on.goto(`${base}/explore?job=job-history${query}`);
	else {
		await on.goto(`${base}/explore`);
		await on.getByTestId('docpack-file').setInputFiles(historyDocpack);
		await on.getByRole('tab', { name: 'History' }).click();
	}
	await on.getByTestId('history-view').waitFor({ timeout: 60_000 });
}

await step('history: the timeline scrubs by keyboard, month by month', async () => {
	await openHistory();
	const extent = await page.getByTestId('history-extent').innerText();
	assert(extent.startsWith('14 commits (0 merges) by 3 authors from 2024-01-05 to 2024-06-20'), `extent ${extent}`);
	const slider = page.getByTestId('month-slider');
	assert((await slider.getAttribute('max')) === '5', 'the timeline does not have six months');
	assert((await page.getByTestId('scrub-month').innerText()) === '2024-06', 'the last month is not picked first');
	await slider.focus();
	await page.keyboard.press('Home');
	await page.getByTestId('scrub-month').filter({ hasText: '2024-01' }).waitFor();
	assert((await page.getByTestId('scrub-commits').innerText()).startsWith('2 commits'), 'January: not 2 commits');
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('ArrowRight');
	await page.getByTestId('scrub-month').filter({ hasText: '2024-03' }).waitFor();
	assert((await slider.getAttribute('aria-valuetext')) === '2024-03', 'the slider does not say its month');
	assert((await page.getByTestId('scrub-commits').innerText()).startsWith('8 commits, +58 −12 lines, 6 symbols added'), 'up to March: not 8 commits');
	const authors = await page.getByTestId('scrub-authors').innerText();
	assert(authors.startsWith('2 by then') && authors.includes('Ada Lovelace, Grace Hopper') && !authors.includes('Linus'), `March authors: ${authors}`);
	const modules = (await page.getByTestId('scrub-module-hotspots').innerText()).replace(/\s+/g, ' ');
	assert(modules === 'Modules: billing, shipping, core', `March's module hotspots: ${modules}`);
	const march = new URL(page.url()).searchParams;
	assert(march.get('view') === 'history' && march.get('month') === '2024-03', `the URL is ${page.url()}`);
	// April had no commit: the timeline still has it.
	await page.keyboard.press('ArrowRight');
	await page.getByTestId('month-commits').filter({ hasText: /^0 commits/ }).waitFor();
	await page.keyboard.press('End');
	await page.getByTestId('scrub-authors').filter({ hasText: 'Linus Pauling' }).waitFor();
	const focus = await slider.evaluate((el) => getComputedStyle(el).outlineStyle);
	assert(focus !== 'none', 'the slider has no visible focus');
	await screenshot('history-timeline');
});

await step('history: the hotspot map, ownership and hidden coupling', async () => {
	await openHistory();
	const invoice = page.locator('[data-testid="hotspot-cell"][data-path="billing/invoice.py"]');
	const label = await invoice.getAttribute('aria-label');
	assert(label === 'billing/invoice.py: 13 lines, 12 commits, centrality 1.00', `invoice cell: ${label}`);
	const cells = await page.getByTestId('hotspot-cell').evaluateAll((list) => list.map((c) => c.dataset.path).sort());
	assert(JSON.stringify(cells) === JSON.stringify(['README.md', 'billing/invoice.py', 'billing/report.py', 'core/config.py', 'shipping/labels.py', 'shipping/rates.py']), `cells ${cells}`);
	const owner = async (module) => (await page.locator(`[data-testid="ownership"] tr[data-module="${module}"]`).innerText()).split('\t');
	const billing = await owner('billing');
	assert(billing[1] === 'Ada Lovelace' && billing[5] === '1', `billing row ${billing}`);
	assert((await owner('shipping'))[1] === 'Grace Hopper', 'shipping is not owned by Grace');
	const pairs = await page.locator('[data-testid="coupling-pair"][data-hidden="true"]').evaluateAll((rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
	assert(
		JSON.stringify(pairs) === JSON.stringify(['file billing/invoice.py shipping/rates.py 6 50% 86% hidden', 'symbol tax billing/invoice.py rate shipping/rates.py 6 86% 86% hidden']),
		`hidden pairs ${JSON.stringify(pairs)}`
	);
	assert((await page.locator('[data-testid="coupling-pair"][data-hidden="false"]').count()) === 2, 'not two linked pairs');
	await screenshot('history-map');
	// A module's title opens its panel; a file cell opens its symbols.
	await page.locator('[data-module="billing"] button.title').click();
	await page.locator('[data-testid="module-panel"][data-key="module:billing"]').waitFor();
	const moduleOwner = (await page.getByTestId('module-owner').innerText()).replace(/\s+/g, ' ');
	assert(moduleOwner === 'Ada Lovelace 84%', `billing's panel names ${moduleOwner}`);
	await invoice.click();
	await page.waitForURL((url) => url.searchParams.get('file') === 'billing/invoice.py' && url.searchParams.get('view') === 'symbols');
	const symbols = await page.locator('[data-symbol]').evaluateAll((b) => b.map((x) => x.dataset.symbol).sort());
	assert(JSON.stringify(symbols) === JSON.stringify(['tax', 'total']), `invoice.py lists ${symbols}`);
});

await step('history: the symbol panel shows a symbol’s history and what it changes with', async () => {
	await openHistory();
	await page.locator('[data-testid="coupling-pair"][data-level="symbol"][data-hidden="true"]').getByRole('button', { name: 'rate', exact: true }).click();
	const detail = page.getByTestId('symbol-detail');
	await detail.locator('h2', { hasText: 'rate' }).waitFor();
	const history = detail.getByTestId('symbol-history');
	const facts = (await history.locator('dd').allInnerTexts()).join(' | ');
	assert(facts === '7 | 2 | +10 −6 | 2024-01-12 | 2024-03-15 | 160 days', `rate's history: ${facts}`);
	const withText = (await history.getByTestId('changes-with').innerText()).replace(/\s+/g, ' ');
	assert(withText === 'Changes with tax (billing/invoice.py, 6 commits together, no static link: hidden coupling)', `changes with: ${withText}`);
	await history.getByRole('button', { name: 'tax' }).click();
	await detail.locator('h2', { hasText: 'tax' }).waitFor();
	assert((await detail.getByTestId('symbol-commits').innerText()) === '7', 'tax: not 7 commits');
	await screenshot('history-symbol');
	// A symbol with history but no co-change partner: facts, no "changes with".
	await page.getByLabel('Search symbols').fill('label');
	await page.getByRole('option').filter({ hasText: 'label' }).first().waitFor();
	await page.getByLabel('Search symbols').press('Enter');
	await detail.locator('h2', { hasText: 'label' }).waitFor();
	await detail.getByTestId('symbol-history').waitFor();
	assert((await detail.getByTestId('changes-with').count()) === 0, 'label changes with something');
});

await step('history: the view and month round-trip through a link; a docpack without history says why', async () => {
	{
		const other = await browser.context.newPage();
		try {
			await other.goto(`${base}/explore?job=${encodeURIComponent(await historyJob())}&view=history&month=2024-02`);
			await other.getByTestId('history-view').waitFor({ timeout: 60_000 });
			assert((await other.getByTestId('scrub-month').innerText()) === '2024-02', 'the shared month is not shown');
			assert((await other.getByTestId('scrub-commits').innerText()).startsWith('5 commits'), 'up to February: not 5 commits');
			await other.getByRole('tab', { name: 'Architecture' }).click();
			await other.getByTestId('architecture-map').waitFor();
			await other.goBack();
			await other.getByTestId('history-view').waitFor();
			assert((await other.getByTestId('scrub-month').innerText()) === '2024-02', 'back lost the month');
		} finally {
			await other.close();
		}
	}
	await page.goto(`${layeredUrl()}&view=history`);
	const line = await page.getByTestId('no-history').innerText({ timeout: 60_000 });
	assert(/^No history: .*not the root of a git repository with commits$/.test(line), `layered says ${line}`);
	assert((await page.getByRole('tab', { name: 'History' }).getAttribute('aria-selected')) === 'true', 'the History tab is not selected');
});

await step('themes: the toggle switches and is remembered; no layout shift on load', async () => {
	const html = page.locator('html');
	await page.goto(layeredUrl());
	await page.getByTestId('map-svg').waitFor({ timeout: 60_000 });
	const before = await page.getByTestId('theme-toggle').getAttribute('data-theme-current');
	await page.getByTestId('theme-toggle').click();
	const after = before === 'dark' ? 'light' : 'dark';
	assert((await html.getAttribute('data-theme')) === after, 'the theme did not switch');
	const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
	await screenshot(`theme-${after}`);
	await page.reload();
	await page.getByTestId('map-svg').waitFor({ timeout: 60_000 });
	assert((await html.getAttribute('data-theme')) === after, 'the theme was not remembered');
	assert((await page.evaluate(() => getComputedStyle(document.body).backgroundColor)) === bg, 'the background differs after reload');
	// Layout shift from navigation to the map (CLS as the browser counts it, without input).
	const shift = await page.evaluate(
		() =>
			new Promise((ok) => {
				let total = 0;
				new PerformanceObserver((list) => {
					for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
				}).observe({ type: 'layout-shift', buffered: true });
				setTimeout(() => ok(total), 300);
			})
	);
	console.log(`    cumulative layout shift ${shift.toFixed(4)}`);
	assert(shift < 0.1, `layout shift ${shift}`);
	await page.getByTestId('theme-toggle').click();
});

/** What a rendered Mermaid flowchart draws: node labels by Mermaid id, edges as from>to names, nodes of the class `cycle`. */
function drawnDiagram(figure) {
	return figure.evaluate((fig) => {
		const svg = fig.querySelector('svg');
		if (!svg) return null;
		const names = {};
		for (const g of svg.querySelectorAll('g.node')) {
			const id = /flowchart-(m\d+)-\d+$/.exec(g.id)?.[1];
			if (id) names[id] = g.textContent.trim();
		}
		const edges = [...svg.querySelectorAll('path.flowchart-link')].map((p) => /L_(m\d+)_(m\d+)_\d+$/.exec(p.id)).filter(Boolean).map(([, a, b]) => `${names[a]}>${names[b]}`);
		const cycle = [...svg.querySelectorAll('g.node.cycle')].map((g) => g.textContent.trim());
		return { names: Object.values(names).sort(), edges: edges.sort(), cycle: cycle.sort(), labels: [...svg.querySelectorAll('g.edgeLabel')].map((e) => e.textContent.trim()).filter(Boolean).sort() };
	});
}

await step('docs: the export’s Mermaid diagrams render in Chromium, with the fixture’s modules, arrows and cycle', async () => {
	await page.goto(`${layeredUrl()}&view=docs`);
	const figures = page.getByTestId('mermaid');
	await page.waitForFunction(() => ['rendered', 'error'].includes(document.querySelector('[data-testid="mermaid"]')?.dataset.state), null, { timeout: 60_000 });
	const architecture = figures.first();
	assert((await architecture.getAttribute('data-state')) === 'rendered', `the architecture diagram: ${await architecture.innerText()}`);
	const drawn = await drawnDiagram(architecture);
	const names = LAYERED_MODULES.map((m) => m.replace('module:', ''));
	assert(JSON.stringify(drawn.names) === JSON.stringify([...names, 'tests'].sort()), `nodes ${JSON.stringify(drawn.names)}`);
	const expected = LAYERED_DEPENDENCIES.map((d) => d.replace(/module:/g, '')).sort();
	assert(JSON.stringify(drawn.edges) === JSON.stringify(expected), `arrows ${JSON.stringify(drawn.edges)}`);
	assert(JSON.stringify(drawn.cycle) === JSON.stringify(['cache', 'storage']), `cycle ${JSON.stringify(drawn.cycle)}`);
	// Calls and imports per arrow: api → core is two calls and an import, the others one of each.
	assert(JSON.stringify(drawn.labels) === JSON.stringify(['2', '2', '2', '2', '2', '2', '3']), `edge labels ${JSON.stringify(drawn.labels)}`);
	await screenshot('docs-architecture-diagram');
	// The top flows, as sequence diagrams (the export's): main's across the layers.
	await page.getByTestId('docs-flow').first().waitFor({ timeout: 30_000 });
	const flowCount = await page.getByTestId('docs-flow').count();
	assert((await page.getByTestId('docs-flow').first().innerText()).startsWith('main → handle → process → save → remember → load (main'), 'no main flow');
	const flow = figures.nth(1);
	await flow.scrollIntoViewIfNeeded();
	await page.waitForFunction(() => ['rendered', 'error'].includes(document.querySelectorAll('[data-testid="mermaid"]')[1]?.dataset.state), null, { timeout: 30_000 });
	assert((await flow.getAttribute('data-state')) === 'rendered', `the flow diagram: ${await flow.innerText()}`);
	const sequence = await flow.evaluate((fig) => ({
		messages: [...fig.querySelectorAll('svg text.messageText')].map((t) => t.textContent.trim()),
		// Left to right (each lifeline has a box at its top and its bottom).
		actors: [...new Map([...fig.querySelectorAll('svg text.actor')].map((t) => [t.textContent.trim(), t.getBoundingClientRect().left]))]
			.sort((a, b) => a[1] - b[1])
			.map(([name]) => name)
	}));
	assert(JSON.stringify(sequence.messages) === JSON.stringify(['handle', 'process', 'save', 'remember', 'load']), `messages ${JSON.stringify(sequence.messages)}`);
	assert(JSON.stringify(sequence.actors) === JSON.stringify(['app', 'api', 'core', 'storage', 'cache']), `lifelines ${JSON.stringify(sequence.actors)}`);
	await screenshot('docs-flow-diagram');
	// Each module's diagram, drawn when it scrolls into view: core depends on storage and util, api on core.
	const count = await figures.count();
	assert(count === 1 + flowCount + names.length + 1, `${count} diagrams`);
	for (let i = 1; i < count; i++) {
		await figures.nth(i).scrollIntoViewIfNeeded();
		await page.waitForFunction((n) => ['rendered', 'error'].includes(document.querySelectorAll('[data-testid="mermaid"]')[n]?.dataset.state), i, { timeout: 30_000 });
		assert((await figures.nth(i).getAttribute('data-state')) === 'rendered', `diagram ${i}: ${await figures.nth(i).innerText()}`);
	}
	const core = await drawnDiagram(page.locator('article', { has: page.getByRole('heading', { name: 'core', exact: true }) }).getByTestId('mermaid'));
	assert(JSON.stringify(core.edges) === JSON.stringify(['api>core', 'core>storage', 'core>util']), `core's diagram ${JSON.stringify(core.edges)}`);
	await screenshot('docs-module-diagram');
});

await step('accessibility: axe-core finds no serious or critical violations', async () => {
	const audit = (label) => axeAudit(page, siteRoot, label);
	const problems = [];
	for (const scheme of ['light', 'dark']) {
		await page.emulateMedia({ colorScheme: scheme });
		await page.goto(`${layeredUrl()}&module=${encodeURIComponent('module:storage')}`);
		await page.getByTestId('module-panel').waitFor({ timeout: 60_000 });
		problems.push(...(await audit(`map + module panel (${scheme})`)));
		await page.getByRole('tab', { name: 'Flows' }).click();
		await page.getByTestId('sequence').waitFor();
		problems.push(...(await audit(`flows (${scheme})`)));
		await page.getByRole('tab', { name: 'Symbol graph' }).click();
		await page.waitForFunction(() => window.__doctownGraph?.nodes().length > 0);
		problems.push(...(await audit(`symbol graph (${scheme})`)));
		await page.getByRole('tab', { name: 'Docs' }).click();
		await page.waitForFunction(() => document.querySelector('[data-testid="mermaid"]')?.dataset.state === 'rendered');
		problems.push(...(await audit(`docs with diagrams (${scheme})`)));
		await openHistory(page, '&view=history&month=2024-03');
		await page.getByRole('button', { name: 'rate', exact: true }).first().click();
		await page.getByTestId('symbol-history').waitFor();
		problems.push(...(await audit(`history with a symbol's history (${scheme})`)));
		await page.goto(layeredUrl());
		await page.getByTestId('map-svg').waitFor({ timeout: 60_000 });
		await page.getByRole('tab', { name: 'Ask' }).click();
		await page.getByLabel('Question').fill('how is a row saved');
		await page.getByRole('button', { name: 'Ask', exact: true }).click();
		await page.getByTestId('ask-answer').waitFor({ timeout: 30_000 });
		problems.push(...(await audit(`ask with an answer (${scheme})`)));
		await page.goto(base);
		await page.getByLabel('Repository').waitFor();
		problems.push(...(await audit(`home (${scheme})`)));
	}
	await page.emulateMedia({ colorScheme: null });
	assert(problems.length === 0, problems.join('\n'));
});

await step('a narrow screen has no horizontal overflow', async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	for (const path of ['/', jobUrl.replace(base, ''), layeredUrl().replace(base, '')]) {
		await page.goto(`${base}${path}`);
		await page.waitForTimeout(400);
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert(overflow <= 1, `${path} overflows by ${overflow}px`);
	}
	await screenshot('narrow-job');
	await page.setViewportSize({ width: 1440, height: 900 });
});

if (mock) {
	await step('a failed job shows its error and a retry button', async () => {
		await page.goto(base);
		await page.getByLabel('Repository').fill('https://github.com/doctown/fail');
		await page.getByRole('button', { name: 'Build docpack' }).click();
		const alert = page.getByRole('alert').filter({ hasText: 'Job failed' });
		await alert.waitFor({ timeout: 30_000 });
		assert((await alert.innerText()).includes('file changed while reading'), 'the error message is missing');
		assert((await page.locator('[data-stage="ingest"]').getAttribute('data-status')) === 'failed', 'ingest not failed');
		const before = page.url();
		await screenshot('job-failed');
		await alert.getByRole('button', { name: 'Retry' }).click();
		await page.waitForURL((url) => url.href !== before);
	});

	await step('the library lists docpacks with sizes', async () => {
		await page.goto(`${base}/library`);
		await page.getByRole('link', { name: 'fixture' }).first().waitFor();
		assert(/Download \.docpack\s*\(\d/.test(await page.getByTestId('download').first().innerText()), 'no size on download');
		await screenshot('library');
	});
}

await explorerDetails({ page, step, screenshot, base, siteRoot, jobUrl, layeredUrl, openHistory, problems });
await explorerFirstView({ page, step, screenshot, base, siteRoot, out, layeredUrl, problems });

await step('no console errors', async () => {
	assert(problems.length === 0, problems.join('\n'));
});

await browser.close();
await mock?.close();
console.log(failures() ? `E2E: ${failures()} step(s) failed; screenshots in test-results/e2e/` : 'E2E: all steps passed; screenshots in test-results/e2e/');
process.exit(failures() ? 1 : 0);
