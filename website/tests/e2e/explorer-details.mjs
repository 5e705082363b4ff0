// Browser steps for what a first-time visitor meets in the explorer's details
// (#61): one truth per symbol panel, flows ranked and deduplicated, a readable
// module diagram, the history's counts, the job log grouped, the Ask question
// leaving the address with its tab, and an unknown symbol id. run.mjs calls
// `explorerDetails` with its harness.

import { join } from 'node:path';
import { assert, axeAudit } from './harness.mjs';

/**
 * @param {object} h
 * @param {import('playwright-core').Page} h.page
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} h.step
 * @param {(name: string) => Promise<unknown>} h.screenshot
 * @param {string} h.base
 * @param {string} h.siteRoot
 * @param {string | undefined} h.jobUrl   the job page of the job the run submitted
 * @param {() => string} h.layeredUrl    the explorer on the layered fixture's job
 * @param {(page?: import('playwright-core').Page, query?: string) => Promise<void>} h.openHistory
 * @param {string[]} h.problems           where accessibility findings go (run.mjs reports them)
 */
export async function explorerDetails({ page, step, screenshot, base, siteRoot, jobUrl, layeredUrl, openHistory, problems }) {
	const texts = (locator) => locator.evaluateAll((items) => items.map((i) => i.textContent.replace(/\s+/g, ' ').trim()));
	const audit = async (label) => problems.push(...(await axeAudit(page, siteRoot, label)));

	await step('details: the symbol panel tells one truth, internal numbers behind "More facts"', async () => {
		await page.goto(`${base}/explore`);
		await page.getByTestId('docpack-file').setInputFiles(join(siteRoot, 'tests/fixtures/shop.docpack'));
		await page.getByTestId('verified').waitFor({ timeout: 60_000 });
		const box = page.getByLabel('Search symbols');
		await box.fill('price_order');
		const hit = page.getByRole('option').filter({ hasText: 'price_order' }).first();
		await hit.waitFor();
		// Search hits: Markdown rendered (no backticks), the place not cut.
		const hitText = await page.getByRole('option').first().innerText();
		assert(!hitText.includes('`'), `a search hit shows raw Markdown: ${hitText}`);
		const cut = await page.locator('#symbol-search-results .path, #symbol-search-results .name').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
		assert(cut.length === 0, `cut in the search hits: ${JSON.stringify(cut)}`);
		await screenshot('details-search-hits');
		await box.press('Enter');
		const detail = page.getByTestId('symbol-detail');
		await detail.locator('h2', { hasText: 'price_order' }).waitFor();
		// One list of tests, its count the list's length, no "Tested by 0" elsewhere.
		assert((await detail.getByTestId('edges-tested-by').count()) === 0, 'a second "Tested by" list');
		const tests = await texts(detail.getByTestId('impact-tests').locator('li'));
		const heading = (await detail.getByTestId('tested-by').innerText()).replace(/\s+/g, ' ');
		assert(heading === `Tested by ${tests.length}`, `"${heading}" above ${tests.length} tests`);
		const split = await detail.getByTestId('tested-by-split').innerText();
		const [direct, through] = split.match(/\d+/g).map(Number);
		assert(direct + through === tests.length && direct >= 1, `split "${split}" for ${tests.length} tests`);
		// Internal numbers only behind the disclosure.
		const more = detail.getByTestId('more-facts');
		assert(!(await more.getByText('Centrality').isVisible()), 'centrality shows in the first view');
		assert(!(await detail.getByText(/bytes \d+/).count()), 'a byte range shows in the first view');
		// Every flow listed passes through the symbol, shown on its path, with the file it starts in.
		const flows = detail.getByTestId('flow');
		await flows.first().waitFor();
		const n = await flows.count();
		for (let i = 0; i < n; i++) {
			const row = flows.nth(i);
			assert((await row.locator('[aria-current="true"]').count()) === 1, `flow ${i} does not show price_order: ${await row.innerText()}`);
			assert(/\.py:\d+/.test(await row.innerText()), `flow ${i} has no file: ${await row.innerText()}`);
		}
		const shown = await texts(flows);
		assert(new Set(shown).size === shown.length, `a flow twice: ${JSON.stringify(shown)}`);
		await detail.getByTestId('flows').scrollIntoViewIfNeeded();
		await screenshot('details-symbol-panel');
		await more.locator('summary').click();
		assert(await more.getByText('Centrality').isVisible(), '"More facts" does not open');
		await audit('symbol panel with "More facts" open');
	});

	await step('details: flows ranked and deduplicated, each with its file, no line starting with a comma', async () => {
		await page.goto(`${layeredUrl()}&view=flows`);
		const items = page.getByTestId('flow-item');
		await items.first().waitFor({ timeout: 60_000 });
		const rows = await texts(items);
		assert(rows[0].startsWith('main '), `the first flow: ${rows[0]}`);
		const files = await texts(page.getByTestId('flow-file'));
		assert(files.length === rows.length && files.every((f) => /\S+\.\w+:\d+$/.test(f)), `files ${JSON.stringify(files)}`);
		const paths = await items.locator('.name').allInnerTexts();
		for (const [i, p] of paths.entries()) {
			for (const [j, q] of paths.entries()) {
				if (i !== j) assert(!(q === p || q.startsWith(`${p} →`)), `flow "${p}" repeats in "${q}"`);
			}
		}
		assert(/\S+\.\w+:\d+/.test(await page.getByTestId('flow-entry-file').innerText()), 'the diagram names no file');
		const reached = page.getByTestId('also-reaches');
		if (await reached.count()) {
			// Lines as laid out: no line of the list begins with a comma.
			const starts = await reached.locator('li').evaluateAll((lis) => {
				const tops = new Map();
				for (const li of lis) {
					const r = li.getBoundingClientRect();
					if (!tops.has(Math.round(r.top))) tops.set(Math.round(r.top), li.textContent.trim());
				}
				return [...tops.values()];
			});
			assert(starts.every((s) => !s.startsWith(',')), `a line starts with a comma: ${JSON.stringify(starts)}`);
		}
		await screenshot('details-flows');
		await audit('flows view');
	});

	await step('details: the module diagram is readable, with zoom and fit', async () => {
		await page.goto(`${layeredUrl()}&view=docs`);
		const figure = page.getByTestId('mermaid').first();
		await page.locator('[data-testid="mermaid"][data-state="rendered"]').first().waitFor({ timeout: 60_000 });
		const labelHeight = async () =>
			figure.evaluate((f) => Math.min(...[...f.querySelectorAll('.nodeLabel, text')].map((t) => t.getBoundingClientRect().height).filter((h) => h > 0)));
		const actual = await labelHeight();
		assert(actual >= 10, `labels are ${actual.toFixed(1)} px high at actual size`);
		await page.getByRole('button', { name: 'Zoom out' }).click();
		assert((await labelHeight()) < actual, 'zooming out does not shrink the drawing');
		await page.getByTestId('zoom-fit').click();
		const fits = await figure.evaluate((f) => f.querySelector('svg').getBoundingClientRect().width <= f.clientWidth + 1);
		assert(fits, 'fit width does not fit');
		await page.getByTestId('zoom-actual').click();
		await screenshot('details-docs-diagram');
		await audit('docs with the zoomable diagram');
	});

	await step('details: the history counts in words, hotspots in the order of their counts', async () => {
		await openHistory(page, '&view=history');
		const extent = await page.getByTestId('history-extent').innerText();
		const wrong = /\b1 (commits|authors|merges|files)\b/;
		assert(!wrong.test(extent), `extent: ${extent}`);
		const state = await page.getByTestId('scrub-state').innerText();
		assert(!wrong.test(state) && !/\b1 symbols\b/.test(state), `scrubbed state: ${state}`);
		const counts = (await page.getByTestId('scrub-hotspots').locator('li .muted').allInnerTexts()).map((t) => Number(t.replace(/\D/g, '')));
		assert(counts.length > 1 && counts.every((c, i) => i === 0 || counts[i - 1] >= c), `hotspot counts ${JSON.stringify(counts)}`);
		await page.getByTestId('scrub-hotspots').scrollIntoViewIfNeeded();
		await screenshot('details-history');
		await audit('history');
	});

	await step('details: the job log groups per-item events and opens a group', async () => {
		assert(jobUrl, 'no job page to open');
		await page.goto(jobUrl);
		await page.getByTestId('event-group').first().waitFor({ timeout: 60_000 });
		await page.locator('[data-testid="job-status"]').filter({ hasText: /succeeded|partial/ }).waitFor({ timeout: 60_000 });
		const total = Number((await page.getByTestId('event-count').innerText()).replace(/,/g, ''));
		const groups = page.getByTestId('event-group');
		const grouped = (await groups.locator('.type').allInnerTexts()).reduce((n, t) => n + Number(t.split(' ×')[0].replace(/,/g, '')), 0);
		const single = await page.locator('[role="log"] > .line:not(.group)').count();
		assert(grouped + single === total, `${grouped} grouped + ${single} single ≠ ${total} events`);
		const documented = groups.filter({ hasText: 'symbol_documented' });
		assert((await documented.count()) === 1, 'the symbols documented are not one row');
		const button = documented.getByRole('button');
		await button.click();
		assert((await button.getAttribute('aria-expanded')) === 'true', 'the group does not open');
		const listed = await page.getByTestId('event-group-items').locator('.line').count();
		assert(listed === Number((await documented.locator('.type').innerText()).split(' ×')[0]), `the open group lists ${listed}`);
		await screenshot('details-event-log');
		await audit('job page with a group open');
	});

	await step('details: leaving the Ask tab drops the question from the address', async () => {
		const question = 'what does main do';
		await page.goto(`${layeredUrl()}&view=ask&ask=${encodeURIComponent(question)}`);
		await page.getByTestId('ask-answer').or(page.getByRole('alert')).first().waitFor({ timeout: 60_000 });
		assert(new URL(page.url()).searchParams.get('ask') === question, `the question is not in ${page.url()}`);
		await page.getByRole('tab', { name: 'Flows' }).click();
		await page.waitForURL((url) => url.searchParams.get('view') === 'flows');
		assert(!new URL(page.url()).searchParams.has('ask'), `the question stays in ${page.url()}`);
	});

	await step('details: an unknown symbol id says so and asks the server nothing', async () => {
		const asked = [];
		const listen = (request) => new URL(request.url()).pathname.startsWith('/api/') && request.url().includes('sym_doesnotexist') && asked.push(request.url());
		page.on('request', listen);
		try {
			await page.goto(`${layeredUrl()}&view=symbols&symbol=sym_doesnotexist`);
			const none = page.getByTestId('no-such-symbol');
			await none.waitFor({ timeout: 60_000 });
			assert((await none.innerText()).startsWith('No such symbol'), await none.innerText());
			// Still so once the symbols are read.
			await page.getByTestId('symbol-detail').or(page.locator('.symbols-tab')).first().waitFor({ timeout: 60_000 });
			await none.waitFor();
			await page.waitForTimeout(500);
			assert(asked.length === 0, `requests for the unknown id: ${asked.join(', ')}`);
			await screenshot('details-unknown-symbol');
		} finally {
			page.off('request', listen);
		}
	});
}
