/**
 * The landing view's first screen, from the module level: what the
 * repository is for, its main parts by the names its manifests give them,
 * and where to start reading. Pure: an {@link Architecture} in.
 */

import type { Architecture, ArchModule, ReadingStep } from '$lib/architecture/modules';

export interface MainPart {
	/** The module's id (what the map selects). */
	key: string;
	/** The package's published name, else the module's path. */
	name: string;
	/** The module's directory. */
	path: string;
	/** The package's description, when its manifest has one. */
	description: string | null;
	symbols: number;
}

/** Parts shown on the first screen. */
export const MAIN_PARTS = 6;
/** Reading steps shown on the first screen. */
export const READING_STEPS = 4;

const TEST_SEGMENT = /(^|\/)(tests?|fixtures|testdata|examples|benches|__tests__|spec)(\/|$)/;

/** A module of the project's own code: source, with symbols, not under a tests or fixtures directory. */
function isOwnCode(m: ArchModule): boolean {
	return m.role === 'source' && m.symbols > 0 && !TEST_SEGMENT.test(m.path);
}

/**
 * The largest modules that are a package's main code, by the package's
 * name; a repository with fewer than two packages shows its largest
 * modules by path instead.
 */
export function mainParts(arch: Architecture, limit = MAIN_PARTS): MainPart[] {
	const own = arch.modules.filter(isOwnCode).sort((a, b) => b.symbols - a.symbols || (a.path < b.path ? -1 : 1));
	const packaged = own.filter((m) => m.package);
	const seen = new Set<string>();
	const distinct = packaged.filter((m) => !seen.has(m.package!.name) && seen.add(m.package!.name));
	const chosen = distinct.length >= 2 ? distinct : own;
	return chosen.slice(0, limit).map((m) => ({
		key: m.id,
		name: m.package?.name ?? m.path,
		path: m.path,
		description: m.package?.description ?? null,
		symbols: m.symbols
	}));
}

/** The first sentence of a text (up to its first `. ` after a few words), or all of it. */
export function firstSentence(text: string): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	const end = flat.search(/[.!?](\s|$)/);
	return end < 0 ? flat : flat.slice(0, end + 1);
}

/** What the repository is for: its own words, else the architecture summary's first sentence. */
export function purposeOf(arch: Architecture): { text: string; source: string | null } | null {
	if (arch.purpose?.text) return { text: arch.purpose.text, source: arch.purpose.source };
	const summary = arch.summary?.summary;
	return summary ? { text: firstSentence(summary), source: null } : null;
}

/** A reading step's target as a module of the map (by path), when it is one. */
export function stepModule(arch: Architecture, step: ReadingStep): ArchModule | null {
	return arch.modules.find((m) => m.path === step.target) ?? null;
}

/** The first reading steps (older architectures cached without them have none). */
export function startReading(arch: Architecture, limit = READING_STEPS): ReadingStep[] {
	return (arch.readingOrder ?? []).slice(0, limit);
}
