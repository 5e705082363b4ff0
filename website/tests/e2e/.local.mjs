import { launch } from './browser.mjs';
const base = process.env.BASE, out = process.env.OUT;
const b = await launch();
const page = await b.context.newPage();
await page.goto(`${base}/explore`);
await page.getByTestId('docpack-file').setInputFiles(process.env.FILE);
await page.getByTestId('verified').waitFor({ timeout: 60000 });
await page.waitForTimeout(2000);
const box = page.getByLabel('Search symbols');
for (const q of ['parse a GitHub URL', 'object store put with a condition']) {
	await box.fill(q);
	await page.waitForTimeout(1500);
	const opts = await page.getByRole('option').allInnerTexts();
	console.log(q, '→', JSON.stringify(opts.slice(0, 3).map((o) => o.split('\n')[0])), await page.getByTestId('search-status').innerText().catch(() => ''));
}
await box.fill('parse a GitHub URL');
await page.waitForTimeout(1500);
await page.screenshot({ path: `${out}/local-search.png` });
await b.close();
