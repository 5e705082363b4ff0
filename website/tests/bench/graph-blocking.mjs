// The symbol graph's first render and main-thread blocking, in Chromium
// (#61): opens a job's explorer, waits for its symbols, opens the Symbol
// graph tab and records every long task (>50 ms) for 15 s after the click.
// Prints {firstRenderMs, longest, blockedMs, over200, n}; OUT gets a screenshot.
//
//   BASE=http://127.0.0.1:8080 JOB=job-… OUT=/tmp node tests/bench/graph-blocking.mjs

import { launch } from '../e2e/browser.mjs';
const base = process.env.BASE, job = process.env.JOB, out = process.env.OUT || '.';
const b = await launch();
const page = await b.context.newPage();
await page.addInitScript(() => {
	window.__long = [];
	new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push({ start: e.startTime, d: e.duration }); }).observe({ type: 'longtask', buffered: true });
});
await page.goto(`${base}/explore?job=${job}`);
await page.getByTestId('map-svg').waitFor();
await page.waitForFunction(() => performance.getEntriesByName('doctown:model-ready').length > 0, null, { timeout: 60000 });
await page.waitForTimeout(1000);
const t0 = await page.evaluate(() => { window.__long = []; return performance.now(); });
await page.getByRole('tab', { name: 'Symbol graph' }).click();
await page.waitForFunction(() => performance.getEntriesByName('doctown:graph-interactive').length > 0, null, { timeout: 60000 });
const first = await page.evaluate((t0) => performance.getEntriesByName('doctown:graph-interactive')[0].startTime - t0, t0);
await page.waitForTimeout(15000);
const long = await page.evaluate(() => window.__long);
console.log(JSON.stringify({ firstRenderMs: Math.round(first), longest: Math.round(Math.max(0, ...long.map((l) => l.d))), blockedMs: Math.round(long.reduce((s, l) => s + l.d, 0)), over200: long.filter((l) => l.d > 200).length, n: long.length }));
await page.screenshot({ path: `${out}/graph.png` });
await b.close();
