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

/** A module of the project's own code: source (by its files' roles), with symbols. */
function isOwnCode(m: ArchModule): boolean {
	return m.role === 'source' && m.symbols > 0;
}

/**
 * The packages by the symbols of their source modules, largest first (a
 * module's package is the one whose directory holds it most closely, as
 * the writer says); each is shown by its largest module, which the map
 * selects. A repository with fewer than two packages shows its largest
 * modules by path instead.
 */
export function mainParts(arch: Architecture, limit = MAIN_PARTS): MainPart[] {
	const own = arch.modules.filter(isOwnCode).sort((a, b) => b.symbols - a.symbols || (a.path < b.path ? -1 : 1));
	const byPackage = new Map<string, MainPart>();
	for (const m of own) {
		if (!m.package) continue;
		const part = byPackage.get(m.package.name);
		if (part) part.symbols += m.symbols;
		else byPackage.set(m.package.name, { key: m.id, name: m.package.name, path: m.path, description: m.package.description ?? null, symbols: m.symbols });
	}
	const packages = [...byPackage.values()].sort((a, b) => b.symbols - a.symbols || (a.name < b.name ? -1 : 1));
	const chosen = packages.length >= 2 ? packages : own.map((m) => ({ key: m.id, name: m.package?.name ?? m.path, path: m.path, description: m.package?.description ?? null, symbols: m.symbols }));
	return chosen.slice(0, limit);
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
