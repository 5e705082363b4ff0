import { describe, expect, it } from 'vitest';
import { fitPath, impliedEdges, meaningfulLabel, readableLabels } from './map-model';
import type { Unit } from './units';

const unit = (label: string): Unit => ({ key: label, label, modules: [], module: null, symbols: 1, files: 1, lines: 1, role: 'source', group: '' });

describe('a map that reads at a glance', () => {
	it('names boxes without filler segments, unless two would read the same', () => {
		expect(meaningfulLabel('cli/src/commands')).toBe('cli/commands');
		expect(meaningfulLabel('src')).toBe('src');
		const units = ['cli/src', 'cli/src/commands', 'worker/src/bin', 'embed/src/bin', 'a/src', 'a/lib'].map(unit);
		readableLabels(units);
		expect(units.map((u) => u.label)).toEqual(['cli', 'cli/commands', 'worker/bin', 'embed/bin', 'a/src', 'a/lib']);
	});

	it('keeps the distinctive end of a path when it must cut', () => {
		expect(fitPath('trigger/launcher', 200)).toBe('trigger/launcher');
		expect(fitPath('trigger/launcher', 80)).toBe('…/launcher');
		expect(fitPath('a/averyveryverylongname', 60)).toBe('averyve…');
		// Two boxes cut to their last segments stay apart when their segments differ.
		expect(fitPath('worker/runpod', 60)).not.toBe(fitPath('embed/remote', 60));
	});

	it('leaves out the dependencies another path implies', () => {
		// 0 → 1 → 2, and 0 → 2 directly: the direct one is implied; 3 → 2 is not.
		const edges = [
			{ from: 0, to: 1 },
			{ from: 1, to: 2 },
			{ from: 0, to: 2 },
			{ from: 3, to: 2 }
		];
		expect([...impliedEdges(edges, 4)]).toEqual([2]);
		// In a cycle 0 ⇄ 1, one of 0 → 2 and 1 → 2 is implied by the other, never both; the cycle's own edges stay.
		const cyclic = [
			{ from: 0, to: 1 },
			{ from: 1, to: 0 },
			{ from: 1, to: 2 },
			{ from: 0, to: 2 }
		];
		const left = impliedEdges(cyclic, 3);
		expect(left.size).toBe(1);
		expect([2, 3]).toContain([...left][0]);
	});
});
