import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { membersJob, outlineJob, symbolJob } from './server-docpack';
import { architectureFromDocs } from './architecture/modules';
import { tooLargeForTab } from './docpack/stream-read';
import type { Manifest } from './docpack/types';

const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const urls = (fetch: ReturnType<typeof vi.fn>) => fetch.mock.calls.map((c) => String((c as unknown[])[0]));

/** An outline as `GET /jobs/{id}/outline` answers (docs.json without the modules' symbol lists). */
const outline = {
	manifest: { schema_version: 'docpack/1.6', docpack_id: 'abc', statistics: { symbols: 5 }, checksum: { algorithm: 'sha256', entries: [] } },
	symbols: 5,
	read_in_place: true,
	docs: {
		modules: [
			{ id: 'module:a', name: 'a', path: 'a', documentation: { summary: 'A.', source: 'facts' }, code: { symbols: 3, files: 1, lines: 30, role: 'source' }, dependencies: [{ module: 'module:b', calls: 2, imports: 1 }] },
			{ id: 'module:b', name: 'b', path: 'b', documentation: { summary: 'B.', source: 'facts' }, code: { symbols: 2, files: 1, lines: 9, role: 'source' }, dependencies: [] }
		]
	}
};

afterEach(() => vi.unstubAllGlobals());

describe('the server reading a docpack for the tab', () => {
	it('asks for the outline, and the map draws from its module level', async () => {
		const fetch = vi.fn(async () => reply(200, outline));
		vi.stubGlobal('fetch', fetch);
		const got = await outlineJob('job-1');
		expect(urls(fetch)).toEqual(['/api/jobs/job-1/outline']);
		const arch = architectureFromDocs(got.docs)!;
		expect(arch.modules.map((m) => [m.id, m.symbols])).toEqual([
			['module:a', 3],
			['module:b', 2]
		]);
		expect(arch.dependencies).toEqual([{ from: 0, to: 1, weight: 3, kinds: { calls: 2, imports: 1 } }]);
	});

	it('pages a box’s members and asks for a symbol by id or name', async () => {
		const page = { key: 'dir:.', modules: 2, total: 5, offset: 2, members: [], next_offset: 4 };
		const fetch = vi.fn(async (url: string) => reply(200, url.includes('/members') ? page : { id: 'sym_1', signature: 'fn a()' }));
		vi.stubGlobal('fetch', fetch);
		expect(await membersJob('job-1', 'dir:.', { offset: 2, limit: 2 })).toEqual(page);
		await membersJob('job 2', 'module:a/b c');
		await symbolJob('job-1', 'Store::save', { lines: 10 });
		expect(urls(fetch)).toEqual([
			'/api/jobs/job-1/members?box=dir%3A.&limit=2&offset=2',
			'/api/jobs/job%202/members?box=module%3Aa%2Fb+c&limit=50',
			'/api/jobs/job-1/symbol?symbol=Store%3A%3Asave&lines=10'
		]);
	});

	it('says what the server refused, and what is not an answer', async () => {
		vi.stubGlobal('fetch', vi.fn(async () => reply(404, { error: 'no symbol "x" among the 2 modules: a box is module:<id> or dir:<path>' })));
		const refused = await membersJob('job-1', 'x').catch((e) => e);
		expect(refused).toBeInstanceOf(ApiError);
		expect([refused.status, refused.message]).toEqual([404, 'no symbol "x" among the 2 modules: a box is module:<id> or dir:<path>']);
		vi.stubGlobal('fetch', vi.fn(async () => reply(200, { hits: [] })));
		expect((await outlineJob('job-1').catch((e) => e)).message).toBe('the answer is not an outline');
		expect((await symbolJob('job-1', 'a').catch((e) => e)).message).toBe('the answer is not a symbol');
		vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>', { status: 200 })));
		expect((await membersJob('job-1', 'dir:.').catch((e) => e)).message).toBe('the answer is not JSON');
		vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('offline'))));
		expect((await outlineJob('job-1').catch((e) => e)).message).toBe('cannot reach the Doctown API (offline)');
	});

	it('reads in the tab what fits it, and names the limit of what does not', () => {
		const manifest = (sizes: number[]) =>
			({ ...outline.manifest, statistics: { symbols: 4_124_684 }, checksum: { algorithm: 'sha256', entries: sizes.map((size, i) => ({ name: `e${i}`, size, sha256: '' })) } }) as unknown as Manifest;
		expect(tooLargeForTab(manifest([1e6, 2e6]))).toBeNull();
		expect(tooLargeForTab(manifest([4_090_519_450, 1_683_414_480]))).toBe(
			'this docpack (4,124,684 symbols, 5,506 MiB expanded) is larger than a browser tab reads (1,536 MiB, about 680,000 symbols): refused (decompression limit); doctown serve reads any size from a local store, and so does doctown verify'
		);
		// One entry over the per-entry limit is enough.
		expect(tooLargeForTab(manifest([1.1 * 1024 ** 3]))).toMatch(/^this docpack/);
	});
});
