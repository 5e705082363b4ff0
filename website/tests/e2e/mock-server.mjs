// A stand-in for `doctown serve` for the E2E tests and local development:
// serves the built site (SPA fallback) and the jobs API with canned events
// and fixture docpacks. Usage: node tests/e2e/mock-server.mjs [--port 8080] [--root build]

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannedEvents, smallFixture } from '../fixtures/fixtures.mjs';
import { verifyDocpack } from '../fixtures/docpack-node.mjs';

const MIME = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript',
	'.css': 'text/css',
	'.svg': 'image/svg+xml',
	'.json': 'application/json',
	'.png': 'image/png',
	'.txt': 'text/plain'
};
const API = ['/api', '/jobs', '/docpacks', '/health', '/openapi.json', '/stages', '/metrics', '/me'];
const STAGE_OF = { ingest: 'ingest', embedding: 'embed', assembly: 'assemble', generation: 'generate', pack: 'pack' };

/**
 * Starts the server. `docpacks`: extra `{job_id, name, fixture}` entries for
 * the library (e.g. a synthetic benchmark docpack). `docpackFiles`: job id →
 * a .docpack file on disk, served as that job's finished docpack (large
 * benchmark docpacks, never held in memory). `eventDelayMs`: time
 * between canned events. `dropAfter`: the first event stream of each job is
 * cut after this many events, to exercise resuming.
 */
export async function startMockServer({ root, port = 0, docpacks = [], docpackFiles = {}, eventDelayMs = 15, dropAfter = 12 } = {}) {
	const fixture = smallFixture();
	const jobs = new Map();
	let counter = 0;

	const addJob = (id, repo, ref, jobFixture, { fail = false, done = false } = {}) => {
		const events = cannedEvents(id, jobFixture, { repo, ref, fail });
		const job = { id, repo, ref, fixture: jobFixture, events, createdAt: done ? 0 : Date.now(), streams: 0, created: new Date().toISOString() };
		jobs.set(id, job);
		return job;
	};
	addJob('job-fixture', 'https://github.com/doctown/fixture', 'main', fixture, { done: true });
	for (const d of docpacks) addJob(d.job_id, d.fixture.manifest.source.repo_url, 'main', d.fixture, { done: true });

	const released = (job) => {
		if (!job.createdAt) return job.events.length;
		return Math.min(job.events.length, Math.floor((Date.now() - job.createdAt) / eventDelayMs) + 1);
	};

	const stateOf = (job) => {
		const seen = job.events.slice(0, released(job));
		const stages = Object.fromEntries(['ingest', 'embed', 'assemble', 'generate', 'pack'].map((s) => [s, { status: 'pending', attempts: 0 }]));
		let status = seen.length ? 'running' : 'queued';
		let error;
		for (const e of seen) {
			const stage = STAGE_OF[e.type.split('.')[0]];
			if (stage && e.type.endsWith('.started.v1')) stages[stage] = { status: 'running', attempts: 1 };
			if (stage && e.type.endsWith('.completed.v1')) {
				stages[stage] = { status: e.payload.status, attempts: 1, duration_ms: e.payload.duration_ms, ...(e.payload.error ? { error: { message: e.payload.error, retryable: false } } : {}) };
			}
			if (e.type === 'job.completed.v1') {
				status = e.payload.status;
				error = e.payload.error;
			}
		}
		return {
			job_id: job.id,
			status,
			stages,
			input: { source: job.repo, ref: job.ref },
			source: { name: job.fixture.manifest.source.name, url: job.repo, ref: job.ref, commit: job.fixture.manifest.source.commit },
			...(error ? { error } : {}),
			created_at: job.created,
			updated_at: new Date().toISOString()
		};
	};

	const json = (res, status, body) => {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(body));
	};

	const readBody = (req) =>
		new Promise((ok) => {
			let data = '';
			req.on('data', (c) => (data += c));
			req.on('end', () => ok(data));
		});

	async function events(req, res, job, url) {
		const header = Number(req.headers['last-event-id']);
		const query = Number(url.searchParams.get('after'));
		let next = Math.max(Number.isFinite(header) ? header + 1 : 0, Number.isFinite(query) && url.searchParams.has('after') ? query + 1 : 0);
		job.streams++;
		const cutAt = job.streams === 1 && dropAfter > 0 ? next + dropAfter : Infinity;
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
		res.write(': connected\n\n');
		let closed = false;
		req.on('close', () => (closed = true));
		while (!closed) {
			const available = released(job);
			while (next < available) {
				const e = job.events[next];
				res.write(`id: ${e.sequence}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
				next++;
				if (e.type === 'job.completed.v1' || next >= cutAt) {
					res.end();
					return;
				}
			}
			await new Promise((r) => setTimeout(r, eventDelayMs));
		}
	}

	/** A stand-in for the server's search: symbol names, then qualified names, then paths. */
	function search(job, url) {
		const q = (url.searchParams.get('q') ?? '').trim().toLowerCase();
		const limit = Math.max(1, Math.min(100, Number(url.searchParams.get('limit') ?? 20)));
		const mode = url.searchParams.get('mode') ?? 'lexical';
		const scored = [];
		for (const s of job.fixture.parts.nodes.symbols) {
			const name = s.name.toLowerCase();
			const score = name === q ? 4 : name.startsWith(q) ? 3 : name.includes(q) ? 2 : s.qualified_name.toLowerCase().includes(q) ? 1 : s.path.includes(q) ? 0.5 : 0;
			if (q && score) scored.push({ s, score: score + (s.centrality ?? 0) });
		}
		scored.sort((a, b) => b.score - a.score || a.s.name.localeCompare(b.s.name));
		const hits = scored.slice(0, limit).map(({ s, score }) => ({
			id: s.id,
			name: s.qualified_name,
			kind: s.kind,
			path: s.path,
			line: s.range.start_line,
			score: Math.round(score * 1000) / 1000,
			signature: s.signature,
			summary: s.documentation?.summary
		}));
		return { query: q, mode, used: ['lexical'], hits, notes: mode === 'lexical' ? [] : ['the mock server searches names only'] };
	}

	/**
	 * The query routes (`ask`, `impact`) as the real server answers them: the
	 * engine's answers about layered.docpack recorded by the CLI
	 * (tests/fixtures/layered-query.json, made by make-layered-docpack.sh),
	 * and the same one-line errors for bad input. Other docpacks and
	 * questions have no recording: a 501 says so (never a made-up answer).
	 */
	let recorded = null;
	async function recordings(file) {
		if (recorded) return recorded;
		const here = fileURLToPath(new URL('.', import.meta.url));
		const answers = JSON.parse(await readFile(join(here, '../fixtures/layered-query.json'), 'utf8'));
		const { symbols } = verifyDocpack(await readFile(file));
		return (recorded = { ...answers, symbols });
	}

	async function query(req, res, id, route, url, file) {
		if (route === '/ask') {
			const q = (url.searchParams.get('q') ?? '').trim();
			if (!q) return json(res, 400, { error: 'q: the question is empty' });
			const n = [...q].length;
			if (n > 2000) return json(res, 400, { error: `q: a question is at most 2000 characters (this one has ${n})` });
			const answer = file && (await recordings(file)).ask[q];
			if (!answer) return json(res, 501, { error: `the mock server has no recorded answer to ${JSON.stringify(q)} for job ${id}` });
			// Streaming asked for: the real server without a model sends the answer as one event.
			if ((req.headers.accept ?? '').includes('text/event-stream')) {
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				return res.end(`event: answer\ndata: ${JSON.stringify(answer)}\n\n`);
			}
			return json(res, 200, answer);
		}
		const symbol = (url.searchParams.get('symbol') ?? '').trim();
		if (!symbol) return json(res, 400, { error: 'symbol: name a symbol (an id or a name)' });
		const depth = url.searchParams.get('depth') ?? '3';
		if (!/^\d+$/.test(depth) || Number(depth) < 1 || Number(depth) > 10) return json(res, 400, { error: `invalid depth ${JSON.stringify(depth)}: expected 1-10` });
		if (!file) return json(res, 501, { error: `the mock server has no recorded impact for job ${id}` });
		const { impact, symbols } = await recordings(file);
		const lower = symbol.toLowerCase();
		const found = symbols.filter((s) => s.id === symbol || s.qualified_name.toLowerCase() === lower || s.name.toLowerCase() === lower);
		if (!found.length) return json(res, 404, { error: `no symbol ${JSON.stringify(symbol)}; search for it first` });
		if (found.length > 1) return json(res, 400, { error: `${JSON.stringify(symbol)} names ${found.length} symbols; use an id: ${found.map((s) => s.id).join(', ')}` });
		if (depth !== '3' || (url.searchParams.get('limit') ?? '50') !== '50' || (url.searchParams.get('offset') ?? '0') !== '0')
			return json(res, 501, { error: 'the mock server has recordings at depth 3, limit 50, offset 0 only' });
		return json(res, 200, impact[found[0].id]);
	}

	async function api(req, res, url) {
		const path = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
		if (path === '/health') return json(res, 200, { status: 'ok' });
		// Local mode, as `doctown serve` without accounts answers.
		if (path === '/me') return json(res, 200, { mode: 'local', user: null });
		if (path === '/openapi.json') return json(res, 200, { openapi: '3.1.0', info: { title: 'Doctown mock API', version: '0' }, paths: {} });
		if (path === '/docpacks') {
			const done = [...jobs.values()].filter((j) => stateOf(j).status === 'succeeded').reverse();
			const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 20));
			const start = Number(url.searchParams.get('cursor') ?? 0);
			const items = done.slice(start, start + limit).map((j) => ({
				job_id: j.id,
				name: j.fixture.manifest.source.name,
				source: j.repo,
				commit: j.fixture.manifest.source.commit,
				size: j.fixture.bytes.length,
				created_at: j.created,
				download_url: `/jobs/${j.id}/docpack`
			}));
			return json(res, 200, { items, next_cursor: start + limit < done.length ? String(start + limit) : null });
		}
		if (path === '/jobs' && req.method === 'POST') {
			let body;
			try {
				body = JSON.parse(await readBody(req));
			} catch {
				return json(res, 400, { error: 'the body is not JSON' });
			}
			if (!body.repo_url || typeof body.repo_url !== 'string') return json(res, 400, { error: 'repo_url is required' });
			const id = `job-${Date.now().toString(36)}-${++counter}`;
			addJob(id, body.repo_url, body.git_ref || 'main', fixture, { fail: /fail/.test(body.repo_url) });
			return json(res, 202, { job_id: id });
		}
		const m = /^\/jobs\/([^/]+)(\/[a-z]+)?$/.exec(path);
		const onDisk = m && Object.hasOwn(docpackFiles, decodeURIComponent(m[1])) ? docpackFiles[decodeURIComponent(m[1])] : null;
		if (onDisk && m[2] === '/docpack') {
			const { size } = await stat(onDisk);
			res.writeHead(200, { 'content-type': 'application/x-docpack+tar+gzip', 'content-length': size });
			return req.method === 'HEAD' ? res.end() : createReadStream(onDisk).pipe(res);
		}
		if (onDisk && !m[2]) return json(res, 200, { job_id: m[1], status: 'succeeded', stages: {}, input: { source: onDisk } });
		if (onDisk && (m[2] === '/ask' || m[2] === '/impact') && req.method === 'GET') {
			const file = onDisk.endsWith('layered.docpack') ? onDisk : null;
			return query(req, res, m[1], m[2], url, file);
		}
		const job = m && jobs.get(decodeURIComponent(m[1]));
		if (!m) return json(res, 404, { error: `no route ${path}` });
		if (!job) return json(res, 404, { error: `job ${m[1]} not found` });
		const tail = m[2] ?? '';
		if (tail === '' && req.method === 'GET') return json(res, 200, stateOf(job));
		if (tail === '/events') return events(req, res, job, url);
		if (tail === '/search' && req.method === 'GET') return json(res, 200, search(job, url));
		if ((tail === '/ask' || tail === '/impact') && req.method === 'GET') {
			const status = stateOf(job).status;
			if (!['succeeded', 'partial', 'failed', 'cancelled'].includes(status))
				return json(res, 409, { error: `job ${job.id} has not finished (status ${status}); ask again when its docpack is ready` });
			if (status === 'failed' || status === 'cancelled') return json(res, 404, { error: `job ${job.id} has no docpack (status ${status})` });
			return query(req, res, job.id, tail, url, null);
		}
		if (tail === '/cancel' && req.method === 'POST') return json(res, 202, { job_id: job.id, status: 'cancelling' });
		if (tail === '/docpack') {
			if (stateOf(job).status !== 'succeeded') return json(res, 409, { error: 'the job has no docpack yet' });
			res.writeHead(200, {
				'content-type': 'application/x-docpack+tar+gzip',
				'content-length': job.fixture.bytes.length,
				'content-disposition': `attachment; filename="${job.fixture.manifest.source.name}.docpack"`
			});
			return res.end(req.method === 'HEAD' ? undefined : job.fixture.bytes);
		}
		return json(res, 405, { error: 'method not allowed' });
	}

	async function staticFile(res, path) {
		const file = normalize(join(root, decodeURIComponent(path)));
		const inside = file.startsWith(resolve(root));
		for (const candidate of inside ? [file, join(root, 'index.html')] : [join(root, 'index.html')]) {
			try {
				if (!(await stat(candidate)).isFile()) continue;
				res.writeHead(200, { 'content-type': MIME[extname(candidate)] ?? 'application/octet-stream' });
				return res.end(await readFile(candidate));
			} catch {
				/* try the fallback */
			}
		}
		res.writeHead(404, { 'content-type': 'text/plain' });
		res.end('not found; run `npm run build` first');
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url, 'http://localhost');
		const isApi = API.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`));
		(isApi ? api(req, res, url) : staticFile(res, url.pathname)).catch((e) => {
			if (!res.headersSent) json(res, 500, { error: String(e) });
			else res.end();
		});
	});
	await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
	const address = server.address();
	return {
		url: `http://127.0.0.1:${address.port}`,
		fixture,
		close: () =>
			new Promise((ok) => {
				server.closeAllConnections?.();
				server.close(ok);
			})
	};
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const arg = (name, fallback) => {
		const i = process.argv.indexOf(name);
		return i > 0 ? process.argv[i + 1] : fallback;
	};
	const here = fileURLToPath(new URL('.', import.meta.url));
	const server = await startMockServer({ root: resolve(arg('--root', join(here, '../../build'))), port: Number(arg('--port', 8080)), eventDelayMs: 60 });
	console.log(`mock Doctown API + site on ${server.url}`);
}
