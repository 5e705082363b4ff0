// Benchmark: time to an interactive graph and frame rate while panning, for a
// synthetic docpack of BENCH_SYMBOLS symbols (default 5000), in headless
// Chromium (SwiftShader WebGL, no GPU). Needs `npm run build` first.
//
//   node tests/bench/graph-bench.mjs            # 3 runs, prints a Markdown table
//   BENCH_SYMBOLS=10000 BENCH_RUNS=5 node tests/bench/graph-bench.mjs

import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus } from 'node:os';
import { launch } from '../e2e/browser.mjs';
import { startMockServer } from '../e2e/mock-server.mjs';
import { syntheticFixture } from '../fixtures/fixtures.mjs';

const symbols = Number(process.env.BENCH_SYMBOLS || 5000);
const runs = Number(process.env.BENCH_RUNS || 3);
const panSeconds = Number(process.env.BENCH_PAN_SECONDS || 3);
const root = resolve(fileURLToPath(new URL('../../build', import.meta.url)));

const t = Date.now();
const fixture = syntheticFixture(symbols);
console.error(`synthetic docpack: ${symbols} symbols, ${fixture.parts.graph.edges.length} edges, ${(fixture.bytes.length / 1e6).toFixed(1)} MB (built in ${Date.now() - t} ms)`);
const server = await startMockServer({ root, docpacks: [{ job_id: 'bench', fixture }] });
const browser = await launch({ viewport: { width: 1440, height: 900 } });

/** Drags across the graph for `seconds` while counting animation frames. */
async function pan(page, seconds) {
	const box = await page.getByTestId('graph').boundingBox();
	await page.evaluate(() => {
		window.__frames = [];
		const tick = (ts) => {
			window.__frames.push(ts);
			if (window.__counting) requestAnimationFrame(tick);
		};
		window.__counting = true;
		requestAnimationFrame(tick);
	});
	const cx = box.x + box.width / 2;
	const cy = box.y + box.height / 2;
	await page.mouse.move(cx, cy);
	await page.mouse.down();
	const end = Date.now() + seconds * 1000;
	let step = 0;
	while (Date.now() < end) {
		step++;
		const angle = step / 15;
		await page.mouse.move(cx + Math.cos(angle) * box.width * 0.3, cy + Math.sin(angle) * box.height * 0.3);
		await page.waitForTimeout(8);
	}
	await page.mouse.up();
	const frames = await page.evaluate(() => {
		window.__counting = false;
		return window.__frames;
	});
	const gaps = frames.slice(1).map((f, i) => f - frames[i]).sort((a, b) => a - b);
	const span = (frames.at(-1) - frames[0]) / 1000;
	return { fps: (frames.length - 1) / span, p95: gaps[Math.floor(gaps.length * 0.95)] ?? NaN, moves: step };
}

const results = [];
for (let run = 0; run < runs; run++) {
	const page = await browser.context.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	// The explorer opens on the architecture map; `view=graph` opens the symbol graph.
	await page.goto(`${server.url}/explore?job=bench&view=graph`);
	await page.waitForFunction(() => performance.getEntriesByName('doctown:graph-interactive').length > 0, null, { timeout: 120_000 });
	const marks = await page.evaluate(() => {
		const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
		return { open: at('doctown:open-start'), ready: at('doctown:docpack-ready'), interactive: at('doctown:graph-interactive') };
	});
	// Interactive means input is handled: a wheel zoom must change the camera promptly.
	const box = await page.getByTestId('graph').boundingBox();
	const before = await page.evaluate(() => performance.now());
	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
	await page.mouse.wheel(0, -300);
	const inputLatency = (await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => ok(performance.now()))))) - before;
	const duringLayout = await pan(page, panSeconds);
	await page.evaluate(() => window.__doctownGraph.stopLayout());
	const afterLayout = await pan(page, panSeconds);
	results.push({
		toInteractive: marks.interactive,
		readVerify: marks.ready - marks.open,
		buildRender: marks.interactive - marks.ready,
		inputLatency,
		duringLayout,
		afterLayout
	});
	if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
	await page.close();
}
await browser.close();
await server.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (label, pick, unit, digits = 0) => `| ${label} | ${results.map((r) => pick(r).toFixed(digits)).join(' / ')} | **${median(results.map(pick)).toFixed(digits)} ${unit}** |`;
console.log(`Synthetic docpack: ${symbols} symbols, ${fixture.parts.graph.edges.length} edges (${fixture.parts.clusters.clusters.length} clusters), ${(fixture.bytes.length / 1e6).toFixed(1)} MB with 384-d embeddings`);
console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; headless Chromium, WebGL via SwiftShader (no GPU); 1440×900`);
console.log('');
console.log(`| measure | runs (${runs}) | median |`);
console.log('|---|---|---|');
console.log(row('navigation → graph interactive (first frame, handlers attached)', (r) => r.toInteractive, 'ms'));
console.log(row('  of which: gunzip + tar + SHA-256 verify + parse', (r) => r.readVerify, 'ms'));
console.log(row('  of which: index + graph build + first render', (r) => r.buildRender, 'ms'));
console.log(row('wheel zoom → next frame', (r) => r.inputLatency, 'ms'));
console.log(row('pan FPS while the layout worker runs', (r) => r.duringLayout.fps, 'fps', 1));
console.log(row('pan p95 frame time while the layout runs', (r) => r.duringLayout.p95, 'ms', 1));
console.log(row('pan FPS after the layout settles', (r) => r.afterLayout.fps, 'fps', 1));
console.log(row('pan p95 frame time after the layout', (r) => r.afterLayout.p95, 'ms', 1));
