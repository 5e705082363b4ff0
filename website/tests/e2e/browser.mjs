// Launches Debian's Chromium through playwright-core with a fresh profile.

import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	// WebGL through SwiftShader (the graph needs it when there is no GPU).
	'--use-angle=swiftshader',
	'--enable-unsafe-swiftshader'
];

/** A browser context with its own temporary profile; `close()` removes it. */
export async function launch({ viewport = { width: 1440, height: 900 } } = {}) {
	const profile = await mkdtemp(join(tmpdir(), 'doctown-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		viewport,
		acceptDownloads: true
	});
	return {
		context,
		close: async () => {
			await context.close();
			await rm(profile, { recursive: true, force: true });
		}
	};
}
