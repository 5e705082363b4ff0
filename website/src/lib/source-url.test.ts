import { describe, expect, it } from 'vitest';
import { checkSource, describeSource } from './source-url';

const ok = (input: string) => {
	const result = checkSource(input);
	if (!result.ok) throw new Error(`${input}: ${result.error}`);
	return result.spec;
};
const error = (input: string) => {
	const result = checkSource(input);
	if (result.ok) throw new Error(`${input} was accepted`);
	return result.error;
};

describe('checkSource (mirrors common/sources/src/parse.rs)', () => {
	it.each([
		['https://github.com/o/r', { owner: 'o', repo: 'r' }],
		['http://github.com/o/r', { owner: 'o', repo: 'r' }],
		['https://www.github.com/o/r', { owner: 'o', repo: 'r' }],
		['https://github.com/o/r.git', { owner: 'o', repo: 'r' }],
		['https://github.com/o/r/', { owner: 'o', repo: 'r' }],
		['github.com/o/r', { owner: 'o', repo: 'r' }],
		['  github.com/o/r  ', { owner: 'o', repo: 'r' }],
		['git@github.com:o/r.git', { owner: 'o', repo: 'r' }],
		['ssh://git@github.com/o/r.git', { owner: 'o', repo: 'r' }],
		['https://github.com/o/r/tree/main', { owner: 'o', repo: 'r', ref: 'main' }],
		['https://github.com/o/r/tree/v1.0/src/lib', { owner: 'o', repo: 'r', ref: 'v1.0', subpath: 'src/lib' }],
		['https://github.com/o/r/blob/main/src/a.rs', { owner: 'o', repo: 'r', ref: 'main' }],
		['https://github.com/o/r/commit/abc123', { owner: 'o', repo: 'r', ref: 'abc123' }],
		['https://github.com/o/r/tree/v1%2E0', { owner: 'o', repo: 'r', ref: 'v1.0' }],
		['https://GitHub.com/rust-lang/rust.vim', { owner: 'rust-lang', repo: 'rust.vim' }]
	])('accepts %s', (input, expected) => {
		expect(ok(input)).toEqual({ kind: 'github', ...expected });
	});

	it('accepts local paths for servers that allow them', () => {
		expect(ok('/srv/repos/app')).toEqual({ kind: 'local', path: '/srv/repos/app' });
		expect(ok('./app')).toEqual({ kind: 'local', path: './app' });
	});

	it.each([
		['', 'enter a GitHub URL'],
		['not a url', 'not a GitHub URL'],
		['https://gitlab.com/o/r', 'unsupported host "gitlab.com"'],
		['ftp://github.com/o/r', 'unsupported scheme "ftp"'],
		['https://github.com/o', 'expected https://github.com/OWNER/REPO'],
		['https://github.com/-o/r', 'invalid GitHub owner'],
		['https://github.com/o/r$', 'invalid GitHub repository name'],
		['https://github.com/o/r/tree', 'missing ref after /tree/'],
		['https://github.com/o/r/blob', 'missing ref after /blob/'],
		['git@github.com', 'expected git@github.com:OWNER/REPO.git']
	])('rejects %j with a clear message', (input, message) => {
		expect(error(input)).toContain(message);
	});

	it('describes what will be built; an explicit ref wins', () => {
		expect(describeSource(ok('https://github.com/o/r/tree/main/src'))).toBe('github.com/o/r at main, only src/');
		expect(describeSource(ok('https://github.com/o/r/tree/main'), 'v2')).toBe('github.com/o/r at v2');
	});
});
