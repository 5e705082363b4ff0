// Benchmark: opening a large docpack. For synthetic docpacks of 5,000, 50,000
// and 500,000 symbols (tests/bench/make-docpack.mjs, cached under
// test-results/bench/), each run launches a fresh headless Chromium, opens
// /explore?job=… from the mock server and reads the page's User Timing marks
// (BENCH_SIZES, BENCH_RUNS choose; BENCH_GENERATE_ONLY=1 only writes the docpacks):
//
//   first view   navigation → `doctown:map-visible` (the architecture map painted)
//   full detail  navigation → `doctown:model-ready` (every symbol's summary indexed, the module level built;
//                a symbol's detail is decoded in the reader's worker when the page shows it)
//
// with the tab's memory: the peak resident set (VmHWM) of the page's renderer
// process, which also runs the reader's worker. Then it types a search and
// times the answer, and records the longest main-thread task while loading.
// Needs `npm run build` first.
//
//   node tests/bench/open-bench.mjs                          # 5k, 50k, 500k; 3 runs each
//   BENCH_SIZES=50000 BENCH_RUNS=5 node tests/bench/open-bench.mjs

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../e2e/browser.mjs';
import { startMockServer } from '../e2e/mock-server.mjs';
import { SCHEMA_VERSION, writeDocpack } from './make-docpack.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../../build');
const cache = resolve(here, '../../test-results/bench');
const sizes = (process.env.BENCH_SIZES || '5000,50000,500000').split(',').map(Number);
const runs = Number(process.env.BENCH_RUNS || 3);
mkdirSync(cache, { recursive: true });

const files = {};
for (const n of sizes) {
	// Named by format: a docpack cached by an older generator is not reused.
	const file = join(cache, `synthetic-${n}-${SCHEMA_VERSION.replace('docpack/', 'v')}.docpack`);
	if (!existsSync(file)) {
		const t = Date.now();
		const info = await writeDocpack(n, file);
		const parts = Object.entries(info.parts).map(([name, size]) => `${name} ${(size / 1e6).toFixed(1)} MB`).join(', ');
		console.error(`generated ${file}: ${info.modules} modules, ${info.edges} edges, ${(info.uncompressed / 1e6).toFixed(0)} MB uncompressed (${parts}; ${((Date.now() - t) / 1000).toFixed(0)} s)`);
	}
	files[`s${n}`] = file;
}
if (process.env.BENCH_GENERATE_ONLY) process.exit(0);
const server = await startMockServer({ root, docpackFiles: files });

/** Scrolls the map with the wheel for 2 s, counting animation frames. */
async function panMap(page) {
	const box = await page.locator('.canvas').first().boundingBox();
	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
	await page.evaluate(() => {
		window.__frames = [];
		window.__counting = true;
		const tick = (t) => {
			window.__frames.push(t);
			if (window.__counting) requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	});
	const end = Date.now() + 2000;
	for (let i = 0; Date.now() < end; i++) {
		await page.mouse.wheel(i % 40 < 20 ? 60 : -60, i % 30 < 15 ? 40 : -40);
		await page.waitForTimeout(16);
	}
	const frames = await page.evaluate(() => ((window.__counting = false), window.__frames));
	const gaps = frames.slice(1).map((f, i) => f - frames[i]).sort((a, b) => a - b);
	const boxes = await page.getByTestId('module-box').count();
	return { boxes, fps: (frames.length - 1) / ((frames.at(-1) - frames[0]) / 1000), p95: gaps[Math.floor(gaps.length * 0.95)] ?? NaN };
}

/** Pids of the processes descending from `pid`. */
function descendants(pid) {
	const children = new Map();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			(children.get(ppid) ?? children.set(ppid, []).get(ppid)).push(Number(entry));
		} catch {
			/* gone */
		}
	}
	const out = [];
	const walk = (p) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
	walk(pid);
	return out;
}

/** The renderer processes of the Chromium this script started: pid, RSS and peak RSS in MiB. */
function renderers() {
	return descendants(process.pid)
		.map((pid) => {
			try {
				const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
				if (!cmdline.includes('--type=renderer')) return null;
				const status = readFileSync(`/proc/${pid}/status`, 'utf8');
				const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
				return { pid, rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
			} catch {
				return null;
			}
		})
		.filter(Boolean);
}

const results = [];
for (const n of sizes) {
	for (let run = 0; run < runs; run++) {
		const browser = await launch({ viewport: { width: 1440, height: 900 } });
		const page = await browser.context.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		await page.addInitScript(() => {
			window.__longest = 0;
			window.__shift = 0;
			new PerformanceObserver((list) => {
				for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
			}).observe({ type: 'longtask', buffered: true });
			new PerformanceObserver((list) => {
				for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
			}).observe({ type: 'layout-shift', buffered: true });
		});
		const load = loadavg()[0];
		await page.goto(`${server.url}/explore?job=s${n}`);
		await page.waitForFunction(() => performance.getEntriesByName('doctown:map-visible').length > 0, null, { timeout: 600_000, polling: 50 });
		const firstView = await page.evaluate(() => performance.getEntriesByName('doctown:map-visible')[0].startTime);
		const boxes = await page.getByTestId('module-box').count();
		let peakDuring = 0;
		const sampler = setInterval(() => (peakDuring = Math.max(peakDuring, ...renderers().map((r) => r.peak))), 200);
		await page.waitForFunction(() => performance.getEntriesByName('doctown:model-ready').length > 0, null, { timeout: 600_000, polling: 200 });
		clearInterval(sampler);
		const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('doctown:', ''), m.startTime])));
		const longest = await page.evaluate(() => window.__longest);
		const shift = await page.evaluate(() => window.__shift);
		// A search once everything is in: from the keystroke to the suggestions painted, in the page.
		await page.waitForTimeout(300);
		const search = await page.evaluate(async () => {
			const input = document.getElementById('symbol-search');
			const start = performance.now();
			input.value = 'merge_graph';
			input.dispatchEvent(new Event('input', { bubbles: true }));
			while (!document.querySelector('#symbol-search-results [role="option"]')) await new Promise((ok) => requestAnimationFrame(ok));
			return performance.now() - start;
		});
		const mem = renderers().sort((a, b) => b.peak - a.peak)[0] ?? { rss: NaN, peak: NaN };
		// Panning the map: wheel scrolling over it for 2 s (the map of the directory with most modules, `core`, when there is one).
		// (Opened from the map, not by a new page load, which would read the docpack again.)
		if (n >= 50_000) {
			await page.locator('[data-testid="module-box"][data-unit="core"]').click();
			await page.getByTestId('expand').click();
			await page.locator('[data-testid="architecture-map"][data-scope="core"]').waitFor();
			await page.getByRole('button', { name: 'Zoom in' }).click();
			await page.getByRole('button', { name: 'Zoom in' }).click();
		}
		const pan = await panMap(page);
		// A repeat visit in the same browser: the module level remembered by docpack id (IndexedDB).
		await page.waitForTimeout(500);
		await page.goto(`${server.url}/explore?job=s${n}`);
		await page.waitForFunction(() => performance.getEntriesByName('doctown:map-visible').length > 0, null, { timeout: 600_000, polling: 50 });
		const repeat = await page.evaluate(() => performance.getEntriesByName('doctown:map-visible')[0].startTime);
		results.push({ n, run, firstView, repeat, pan, full: marks['model-ready'], openStart: marks['open-start'], boxes, peak: Math.max(mem.peak, peakDuring), rss: mem.rss, longest, shift, search, load, errors });
		console.error(
			`${n} #${run + 1}: first view ${firstView.toFixed(0)} ms (${boxes} boxes; app started loading at ${marks['open-start'].toFixed(0)} ms), repeat visit ${repeat.toFixed(0)} ms, ` +
				`full ${marks['model-ready'].toFixed(0)} ms, peak ${Math.max(mem.peak, peakDuring).toFixed(0)} MiB, longest task ${longest.toFixed(0)} ms, layout shift ${shift.toFixed(3)}, ` +
				`search ${search.toFixed(0)} ms, pan ${pan.boxes} boxes ${pan.fps.toFixed(0)} fps (p95 ${pan.p95.toFixed(0)} ms), load avg ${load.toFixed(1)}${errors.length ? `, errors: ${errors.join('; ')}` : ''}`
		);
		await browser.close();
	}
}
await server.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; headless Chromium; 1440×900`);
console.log('');
console.log('| symbols | docpack | first view (map) | repeat visit: map | everything parsed | tab peak memory | longest main-thread task | layout shift | search | panning the map | load avg |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const n of sizes) {
	const rs = results.filter((r) => r.n === n);
	const size = statSync(files[`s${n}`]).size;
	const m = (pick, digits = 0) => `${rs.map((r) => pick(r).toFixed(digits)).join(' / ')} (**${median(rs.map(pick)).toFixed(digits)}**)`;
	console.log(
		`| ${n.toLocaleString('en-US')} | ${(size / 1e6).toFixed(1)} MB | ${m((r) => r.firstView)} ms | ${m((r) => r.repeat)} ms | ${m((r) => r.full)} ms | ${m((r) => r.peak)} MiB | ${m((r) => r.longest)} ms | ${m((r) => r.shift, 3)} | ${m((r) => r.search)} ms | ${rs[0].pan.boxes} boxes: ${m((r) => r.pan.fps)} fps, p95 ${m((r) => r.pan.p95)} ms | ${m((r) => r.load, 1)} |`
	);
}
