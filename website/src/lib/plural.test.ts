import { describe, expect, it } from 'vitest';
import { plural } from './plural';
import { isSymbolId } from './symbol-id';

describe('counted nouns', () => {
	it('uses the singular for one only', () => {
		expect(plural(1, 'author')).toBe('1 author');
		expect(plural(0, 'author')).toBe('0 authors');
		expect(plural(660, 'commit')).toBe('660 commits');
		expect(plural(1204, 'file')).toBe('1,204 files');
		expect(plural(2, 'batch', 'batches')).toBe('2 batches');
	});
});

describe('symbol ids', () => {
	it('are sym_ and 16 hex digits', () => {
		expect(isSymbolId('sym_9d4de99b750168e3')).toBe(true);
		expect(isSymbolId('sym_doesnotexist')).toBe(false);
		expect(isSymbolId('sym_9d4de99b750168e')).toBe(false);
		expect(isSymbolId(null)).toBe(false);
	});
});
