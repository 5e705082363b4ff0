// The explorer over a docpack its server reads for the tab (one larger than a
// tab reads: the Linux kernel's), in Debian's Chromium:
//
//   node tests/bench/server-explore-bench.mjs URL JOB [BOX]
//
// URL is a running `doctown serve --static-dir website/build`, JOB a finished
// job of its store, BOX the map box to open (default: the largest). Prints the
// time from navigation to the architecture map on screen (the browser warmed
// on the home page first, the server cold), and from a click on
// a box to its symbols listed (each once cold and once warm), and writes a
// screenshot of each to test-results/server-explore/.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../e2e/browser.mjs';

const [url, job, wanted] = process.argv.slice(2);
if (!url || !job) {
	console.error('usage: node tests/bench/server-explore-bench.mjs URL JOB [BOX]');
	process.exit(2);
}
const out = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../test-results/server-explore');
await mkdir(out, { recursive: true });
const browser = await launch({ viewport: { width: 1600, height: 1000 } });
const page = await browser.context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

try {
	// The browser itself warm (its first page compiles the site's code), the server not.
	await page.goto(`${url.replace(/\/$/, '')}/`);
	await page.waitForLoadState('networkidle');
	for (const run of ['first', 'again']) {
		const start = Date.now();
		await page.goto(`${url.replace(/\/$/, '')}/explore?job=${encodeURIComponent(job)}`);
		await page.getByTestId('module-box').first().waitFor({ timeout: 120_000 });
		const map = Date.now() - start;
		const boxes = await page.getByTestId('module-box').count();
		const reads = await page.getByTestId('server-reads').count();
		await page.screenshot({ path: join(out, `map-${run}.png`) });
		const box = wanted ? page.locator(`[data-testid="module-box"][data-key="${wanted}"]`) : page.getByTestId('module-box').first();
		const key = await box.getAttribute('data-key');
		const clicked = Date.now();
		await box.click();
		await page.locator('[data-testid="server-members"] ol li').first().waitFor({ timeout: 60_000 });
		const members = Date.now() - clicked;
		const listed = await page.locator('[data-testid="server-members"] ol li').count();
		await page.screenshot({ path: join(out, `members-${run}.png`) });
		console.log(
			`${run}: map on screen ${seconds(map)} (${boxes} boxes, ${reads ? 'read by the server' : 'read in the tab'}); ${key}: ${listed} symbols listed in ${seconds(members)}`
		);
	}
	if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
} finally {
	await browser.close();
}
