import { sveltekit } from '@sveltejs/kit/vite';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

const api = process.env.DOCTOWN_API ?? 'http://127.0.0.1:8080';
const proxied = ['/api', '/jobs', '/docpacks', '/health', '/openapi.json', '/stages', '/metrics'];

export default defineConfig({
	plugins: [sveltekit(), svelteTesting()],
	server: {
		proxy: Object.fromEntries(proxied.map((path) => [path, { target: api, changeOrigin: false }]))
	},
	test: {
		environment: 'jsdom',
		include: ['src/**/*.test.ts'],
		setupFiles: ['src/test-setup.ts']
	}
});
