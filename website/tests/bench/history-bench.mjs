// Benchmark: the History tab on a large history. Opens a docpack (one built by
// the doctown CLI from a repository with a long history, e.g. cargo's) from the
// mock server in a fresh headless Chromium per run, waits until every symbol is
// read (`doctown:model-ready`), then times in the page:
//
//   render   a click on the History tab → the hotspot map's cells and the
//            coupling table painted (the next frame after they exist)
//   scrub    one step of the month slider → the charts and the "up to" panel
//            painted again (the mean of 20 steps from the last month back)
//
// Needs `npm run build` first.
//
//   BENCH_DOCPACK=/tmp/cargo.docpack BENCH_RUNS=3 node tests/bench/history-bench.mjs

import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../e2e/browser.mjs';
import { startMockServer } from '../e2e/mock-server.mjs';
import { verifyDocpack } from '../fixtures/docpack-node.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../../build');
const file = process.env.BENCH_DOCPACK;
const runs = Number(process.env.BENCH_RUNS || 3);
if (!file || !existsSync(file)) {
	console.error('history-bench: set BENCH_DOCPACK to a .docpack with a history (doctown build <repo> -o FILE)');
	process.exit(2);
}
const { history } = verifyDocpack(readFileSync(file));
if (!history) {
	console.error(`history-bench: ${file} has no history.json`);
	process.exit(2);
}
console.log(
	`${file}: ${history.summary.commits} commits, ${history.timeline.length} months, ${history.files.length} files, ` +
		`${history.coupling.files.length + history.coupling.symbols.length} co-change pairs, ${history.symbols.length} symbol histories`
);

const server = await startMockServer({ root, docpackFiles: { h: file } });
for (let run = 1; run <= runs; run++) {
	const browser = await launch();
	const page = await browser.context.newPage();
	await page.goto(`${server.url}/explore?job=h`);
	await page.waitForFunction(() => performance.getEntriesByName('doctown:model-ready').length > 0, null, { timeout: 300_000 });
	const render = await page.evaluate(async () => {
		const started = performance.now();
		document.getElementById('tab-history').click();
		await new Promise((done) => {
			const check = () =>
				document.querySelector('[data-testid="hotspot-cell"]') && document.querySelector('[data-testid="coupling"] table, [data-testid="coupling"] p')
					? requestAnimationFrame(() => setTimeout(done, 0))
					: requestAnimationFrame(check);
			check();
		});
		return { ms: performance.now() - started, cells: document.querySelectorAll('[data-testid="hotspot-cell"]').length, elements: document.querySelectorAll('[data-testid="history-view"] *').length };
	});
	const scrub = await page.evaluate(async () => {
		const input = document.getElementById('history-month');
		const shown = document.querySelector('[data-testid="scrub-month"]');
		const steps = Math.min(20, Number(input.max));
		let total = 0;
		for (let i = 1; i <= steps; i++) {
			const started = performance.now();
			input.value = String(Number(input.max) - i);
			input.dispatchEvent(new Event('input', { bubbles: true }));
			const before = shown.textContent;
			await new Promise((done) => {
				const check = () => (shown.textContent !== before ? requestAnimationFrame(() => setTimeout(done, 0)) : requestAnimationFrame(check));
				requestAnimationFrame(check);
			});
			total += performance.now() - started;
		}
		return { ms: total / Math.max(1, steps), steps };
	});
	console.log(
		`run ${run}: render ${render.ms.toFixed(0)} ms (${render.cells} map cells, ${render.elements} elements), scrub ${scrub.ms.toFixed(1)} ms per step (${scrub.steps} steps); load average ${loadavg()[0].toFixed(2)}`
	);
	await browser.close();
}
await server.close();
