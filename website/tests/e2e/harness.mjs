// What the browser tests share: named steps that record failures with a
// screenshot, assertions, and the axe-core accessibility audit.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export function assert(condition, message) {
	if (!condition) throw new Error(message);
}

/** Steps run in order; a failed one is reported and the rest still run. */
export function createHarness({ page, out }) {
	let failures = 0;
	let shot = 0;
	const screenshot = (name, on = page) => on.screenshot({ path: join(out, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: false });
	async function step(name, fn) {
		const started = Date.now();
		try {
			await fn();
			console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
		} catch (e) {
			failures++;
			console.log(`  ✗ ${name}\n    ${String(e.stack || e).split('\n').slice(0, 4).join('\n    ')}`);
			await screenshot(`FAILED-${name.replace(/\W+/g, '-')}`).catch(() => {});
		}
	}
	return { step, screenshot, failures: () => failures };
}

/** axe-core's serious and critical violations of the page as it is now, one line each. */
export async function axeAudit(page, siteRoot, label) {
	const axeSource = await readFile(join(siteRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');
	await page.addScriptTag({ content: axeSource });
	const result = await page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
	});
	const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	console.log(`    ${label}: ${result.length} violation kind(s), ${bad.length} serious or critical`);
	return bad.map((v) => `${label}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
}
