import { describe, expect, it } from 'vitest';
import type { Architecture, ArchModule } from '$lib/architecture/modules';
import { firstSentence, mainParts, purposeOf, startReading, stepModule } from './overview';

function mod(path: string, symbols: number, extra: Partial<ArchModule> = {}): ArchModule {
	return { id: `module:${path}`, name: path, path, symbols, files: 1, lines: 10, role: 'source', languages: [], doc: null, package: null, top: [], clusters: [], ...extra };
}

function arch(modules: ArchModule[], extra: Partial<Architecture> = {}): Architecture {
	return { modules, dependencies: [], summary: null, purpose: null, readingOrder: [], moduleOfFile: new Map(), moduleOfSymbol: new Map(), unplaced: 0, ...extra };
}

describe('the first screen', () => {
	it('names the main parts by their packages, summed over their source modules, largest first', () => {
		const core = { name: 'acme-core', description: 'The model.' };
		const a = arch([
			mod('crates/core/src', 300, { package: core }),
			mod('crates/core/src/model', 50, { package: core }),
			mod('crates/cli/src', 120, { package: { name: 'acme' } }),
			mod('crates/core/tests/fixtures/app/src', 900, { package: { name: 'app' }, role: 'fixture' }),
			mod('crates/core/tests', 800, { package: core, role: 'test' }),
			mod('.ci', 0),
			mod('scripts', 500)
		]);
		expect(mainParts(a)).toEqual([
			{ key: 'module:crates/core/src', name: 'acme-core', path: 'crates/core/src', description: 'The model.', symbols: 350 },
			{ key: 'module:crates/cli/src', name: 'acme', path: 'crates/cli/src', description: null, symbols: 120 }
		]);
	});

	it('falls back to the largest modules by path without two packages', () => {
		const a = arch([mod('src', 40, { package: { name: 'one' } }), mod('lib/util', 60), mod('test', 99, { role: 'test' })]);
		expect(mainParts(a).map((p) => p.name)).toEqual(['lib/util', 'one']);
	});

	it('says what the repository is for in its own words, else the summary’s first sentence', () => {
		const own = arch([], { purpose: { text: 'Acme makes anvils.', source: 'README.md' } });
		expect(purposeOf(own)).toEqual({ text: 'Acme makes anvils.', source: 'README.md' });
		const facts = arch([], { summary: { summary: '`acme` has 3 symbols in 1 module. Its main part is x.', source: 'facts' } });
		expect(purposeOf(facts)).toEqual({ text: '`acme` has 3 symbols in 1 module.', source: null });
		expect(purposeOf(arch([]))).toBeNull();
		expect(firstSentence('No stop at all')).toBe('No stop at all');
	});

	it('starts reading at the reading order’s first steps, modules found on the map', () => {
		const a = arch([mod('core', 5)], {
			readingOrder: [
				{ target: 'main', why: 'Execution starts here.' },
				{ target: 'core', why: 'Everything builds on it.' }
			]
		});
		const steps = startReading(a, 1);
		expect(steps.map((s) => s.target)).toEqual(['main']);
		expect(stepModule(a, startReading(a)[1])?.id).toBe('module:core');
		expect(stepModule(a, steps[0])).toBeNull();
		// An architecture cached by an older reader has no reading order.
		expect(startReading({ ...a, readingOrder: undefined as never })).toEqual([]);
	});
});
