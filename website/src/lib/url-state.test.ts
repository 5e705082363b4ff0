import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, isNewPlace, readState, sameState, writeState, type ExploreState } from './url-state';

describe('explorer state in the URL', () => {
	it('round-trips every field and keeps the job', () => {
		const state: ExploreState = {
			view: 'graph',
			scope: 'common/core',
			module: 'module:common/core/src',
			symbol: 'sym_0123456789abcdef',
			q: 'parse & load?',
			flow: 'sym_fedcba9876543210',
			file: 'src/a b.rs',
			ask: 'where is the state written? (& why)',
			month: '2024-03'
		};
		const params = writeState(new URLSearchParams('job=abc'), state);
		expect(params.get('job')).toBe('abc');
		const url = `/explore?${params}`;
		expect(readState(new URL(url, 'http://x').searchParams)).toEqual(state);
	});

	it('leaves defaults out of the link', () => {
		expect(writeState(new URLSearchParams('job=j'), DEFAULT_STATE).toString()).toBe('job=j');
		expect(writeState(new URLSearchParams(), { ...DEFAULT_STATE, view: 'flows' }).toString()).toBe('view=flows');
	});

	it('replaces old values', () => {
		const params = writeState(new URLSearchParams('job=j&symbol=old&q=x'), { ...DEFAULT_STATE, module: 'module:a' });
		expect(params.toString()).toBe('job=j&module=module%3Aa');
	});

	it('falls back to defaults for unknown or oversized values', () => {
		const s = readState(new URLSearchParams(`view=nonsense&scope=/a/b/&q=${'x'.repeat(2000)}`));
		expect(s.view).toBe('map');
		expect(readState(new URLSearchParams('view=ask')).view).toBe('ask');
		expect(readState(new URLSearchParams('view=history&month=2024-03'))).toMatchObject({ view: 'history', month: '2024-03' });
		expect(readState(new URLSearchParams('month=March')).month).toBeNull();
		// A question may be as long as the server takes, and no longer.
		expect(readState(new URLSearchParams(`ask=${'y'.repeat(2000)}`)).ask).toHaveLength(2000);
		expect(readState(new URLSearchParams(`ask=${'y'.repeat(2001)}`)).ask).toBe('');
		expect(s.scope).toBe('a/b');
		expect(s.q).toBe('');
		expect(readState(new URLSearchParams(''))).toEqual(DEFAULT_STATE);
	});

	it('tells a new place from a changed search', () => {
		expect(isNewPlace(DEFAULT_STATE, { ...DEFAULT_STATE, q: 'x' })).toBe(false);
		expect(isNewPlace(DEFAULT_STATE, { ...DEFAULT_STATE, month: '2024-03' })).toBe(false);
		expect(isNewPlace(DEFAULT_STATE, { ...DEFAULT_STATE, module: 'module:a' })).toBe(true);
		expect(isNewPlace(DEFAULT_STATE, { ...DEFAULT_STATE, ask: 'why?' })).toBe(true);
		expect(sameState(DEFAULT_STATE, { ...DEFAULT_STATE })).toBe(true);
		expect(sameState(DEFAULT_STATE, { ...DEFAULT_STATE, q: 'x' })).toBe(false);
	});
});
