import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: `doctown serve` serves build/ and falls back to
		// index.html for page routes (/job/…, /library, /explore).
		adapter: adapter({ fallback: 'index.html', strict: false })
	}
};
