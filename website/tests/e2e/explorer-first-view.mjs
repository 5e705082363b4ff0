// Browser steps for a first-time visitor's first ten minutes (#61): the
// landing view says what the repository is for before the map, the map
// reads at a glance (whole labels, none alike, nothing empty, Fit fits),
// the symbol graph of an 11,000-symbol docpack opens without freezing the
// page, and a docpack opened from a file is searched by what its symbols
// say and reopens after a reload. run.mjs calls `explorerFirstView` with
// its harness.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assert, axeAudit } from './harness.mjs';

/** Synthetic docpack size: about this repository's own (11,600 symbols). */
const LARGE_SYMBOLS = 11_000;
/** A main-thread task this long is a freeze (the symbol graph's longest was 5.5 s before). */
const FREEZE_MS = 1_000;

/**
 * @param {object} h
 * @param {import('playwright-core').Page} h.page
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} h.step
 * @param {(name: string) => Promise<unknown>} h.screenshot
 * @param {string} h.base
 * @param {string} h.siteRoot
 * @param {string} h.out                  the test output directory
 * @param {() => string} h.layeredUrl    the explorer on the layered fixture's job
 * @param {string[]} h.problems           where accessibility findings go
 */
export async function explorerFirstView({ page, step, screenshot, base, siteRoot, out, layeredUrl, problems }) {
	const audit = async (label) => problems.push(...(await axeAudit(page, siteRoot, label)));
	const large = join(out, 'large.docpack');
	await promisify(execFile)('node', [join(siteRoot, 'tests/bench/make-docpack.mjs'), '--symbols', String(LARGE_SYMBOLS), '--dims', '0', '-o', large]);

	await step('first view: what the repository is for, its main parts and where to start, then the map', async () => {
		await page.goto(layeredUrl());
		const overview = page.getByTestId('overview');
		await overview.waitFor();
		const purpose = (await page.getByTestId('purpose').innerText()).trim();
		assert(purpose.length > 20, `purpose "${purpose}"`);
		const parts = await page.getByTestId('main-parts').locator('li').allInnerTexts();
		assert(parts.length >= 2, `main parts ${JSON.stringify(parts)}`);
		assert(parts.every((p) => !/\b0 symbols/.test(p)), `an empty main part: ${JSON.stringify(parts)}`);
		const [o, m] = [await overview.boundingBox(), await page.getByTestId('architecture-map').boundingBox()];
		assert(o.y + o.height <= m.y, 'the map comes before the overview');
		const source = await page.locator('.head .source').innerText();
		assert(!source.trim().startsWith('·'), `the header's source line starts with a separator: "${source}"`);
		// Clicking a main part selects its box on the map.
		await page.getByTestId('main-parts').locator('button').first().click();
		await page.waitForURL(/module=/);
		await screenshot('first-view');
		await audit('first view');
	});

	await step('first view: an 11,000-symbol map reads at a glance — whole labels, none alike, none empty, Fit fits', async () => {
		await page.goto(`${base}/explore`);
		await page.getByTestId('docpack-file').setInputFiles(large);
		await page.getByTestId('verified').waitFor({ timeout: 60_000 });
		const map = page.getByTestId('architecture-map');
		await map.waitFor();
		const names = await map.locator('tspan.name').allTextContents();
		assert(names.length > 10, `${names.length} boxes`);
		assert(new Set(names).size === names.length, `labels alike: ${names.filter((n, i) => names.indexOf(n) !== i)}`);
		assert(names.every((n) => !n.startsWith('…') || n.startsWith('…/')), `a label cut inside a name: ${names}`);
		const captions = await map.locator('tspan.caption').allTextContents();
		assert(captions.every((c) => !/^0 symbols/.test(c)), 'an empty module drawn');
		// Nothing scrolls inside the map's box, on this screen or a 13-inch laptop's (1280×800): the page does.
		const innerScroll = () =>
			page.evaluate(() => {
				const canvas = document.querySelector('[data-testid="architecture-map"] .canvas');
				return canvas.scrollHeight > canvas.clientHeight + 1 || canvas.scrollWidth > canvas.clientWidth + 1;
			});
		assert(!(await innerScroll()), 'the map scrolls inside its box at 1440×900');
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.waitForTimeout(300);
		assert(!(await innerScroll()), 'the map scrolls inside its box at 1280×800');
		await page.getByRole('button', { name: 'Fit the whole map' }).click();
		const fits = await page.evaluate(() => {
			const svg = document.querySelector('[data-testid="architecture-map"] .canvas svg').getBoundingClientRect();
			return svg.height <= Math.max(420, Math.min(1000, innerHeight - 144)) && svg.width <= document.querySelector('[data-testid="architecture-map"] .canvas').clientWidth + 1;
		});
		assert(fits, 'Fit leaves the map larger than the window');
		await page.setViewportSize({ width: 1440, height: 900 });
		await map.scrollIntoViewIfNeeded();
		await screenshot('first-view-large-map');
	});

	await step(`first view: the symbol graph of ${LARGE_SYMBOLS.toLocaleString('en-US')} symbols opens at once and never freezes the page`, async () => {
		await page.evaluate(() => {
			window.__long = [];
			new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: 'longtask' });
		});
		const t0 = await page.evaluate(() => performance.now());
		await page.getByRole('tab', { name: 'Symbol graph' }).click();
		await page.waitForFunction(() => performance.getEntriesByName('doctown:graph-interactive').length > 0, null, { timeout: 30_000 });
		const first = await page.evaluate((t) => performance.getEntriesByName('doctown:graph-interactive').at(-1).startTime - t, t0);
		await page.waitForFunction(() => !window.__doctownGraph?.layoutRunning(), null, { timeout: 30_000 });
		const long = await page.evaluate(() => window.__long);
		const nodes = await page.evaluate(() => window.__doctownGraph.nodes().length);
		const longest = Math.round(Math.max(0, ...long));
		console.log(`    graph: ${nodes} of ${LARGE_SYMBOLS} symbols drawn, first render ${Math.round(first)} ms, longest main-thread task ${longest} ms, ${Math.round(long.reduce((a, b) => a + b, 0))} ms blocked in all`);
		assert(nodes <= 1_500, `${nodes} symbols drawn at first (level of detail: at most 1,500)`);
		assert(longest < FREEZE_MS, `the page froze for ${longest} ms`);
		await page.getByTestId('drill-banner').getByTestId('graph-more').waitFor();
		await screenshot('first-view-graph');
	});

	await step('a docpack opened from a file is searched by what its symbols say, and reopens after a reload', async () => {
		await page.goto(`${base}/explore`);
		await page.getByTestId('docpack-file').setInputFiles(join(siteRoot, 'tests/fixtures/layered.docpack'));
		await page.getByTestId('verified').waitFor({ timeout: 60_000 });
		const box = page.getByLabel('Search symbols');
		// No name holds these words: the doc comment of `load` does.
		await box.fill('reads a stored value');
		await page.getByTestId('search-scope').filter({ hasText: 'by names and words, in this browser' }).waitFor();
		const first = await page.getByRole('option').first().innerText();
		assert(/^load\b/.test(first), `first hit "${first}"`);
		await screenshot('first-view-local-search');
		await page.reload();
		await page.getByTestId('verified').waitFor({ timeout: 60_000 });
		assert((await page.getByTestId('docpack-file').count()) === 0, 'the reload asks for the file again');
		await audit('local docpack');
	});
}
