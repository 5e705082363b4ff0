import { describe, expect, it } from 'vitest';
import { queryWords, wordsOf } from './search-text';

describe('the words a symbol says', () => {
	it('keeps a run whole and its parts, so GitHub in prose and github_url in a name meet', () => {
		expect(wordsOf('parseGitHubUrl(github_url) → HTTPServer 2 x')).toEqual([
			'parsegithuburl',
			'parse',
			'git',
			'hub',
			'url',
			'github',
			'url',
			'httpserver',
			'http',
			'server'
		]);
		expect(queryWords('parse a GitHub URL')).toEqual(['parse', 'github', 'url']);
	});
});
