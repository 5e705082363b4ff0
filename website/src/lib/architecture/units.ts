/**
 * Level of detail for the architecture map: the modules under a directory
 * (the *scope*; the whole repository at first) folded into at most
 * `maxUnits` boxes by directory. Modules are directories, so a box is a
 * directory prefix holding one module or several (expand it to see them);
 * dependencies are summed between boxes.
 */

import type { FileRole } from '$lib/docpack/types';
import type { Architecture, DependencyKind, ModuleDependency } from './modules';

export interface Unit {
	/** The directory the box stands for (a module's path, or a prefix of several). */
	key: string;
	/** The key relative to the scope. */
	label: string;
	/** Module indices, ascending. */
	modules: number[];
	/** The one module this box is, when it is exactly one. */
	module: number | null;
	symbols: number;
	files: number;
	lines: number;
	/** `source` when any of its modules is source code. */
	role: FileRole;
	/** The directory group the box is drawn in ('' when the view has no groups). */
	group: string;
}

export interface UnitDependency {
	from: number;
	to: number;
	weight: number;
	kinds: Partial<Record<DependencyKind, number>>;
}

export interface UnitView {
	scope: string;
	/** Directory levels below the scope that boxes stand for. */
	depth: number;
	units: Unit[];
	/** Sorted by (from, to). */
	dependencies: UnitDependency[];
	/** Dependencies from boxes of this view to modules outside it, and into it from outside. */
	outside: { out: number; in: number };
	/** Modules of the scope left out by the filter (tests, examples, …). */
	hidden: number;
}

export interface UnitOptions {
	/** A directory, '' for the whole repository. */
	scope?: string;
	maxUnits?: number;
	/** Most directory groups a view is drawn in. */
	maxGroups?: number;
	/** Which modules the view shows (default: all). */
	include?: (module: number) => boolean;
}

export const ROOT = '.';

/** Path components of `path` below `scope` ('' scope: the whole path); null when outside it. */
export function relativeParts(path: string, scope: string): string[] | null {
	if (!scope) return path === ROOT || path === '' ? [] : path.split('/');
	if (path === scope) return [];
	return path.startsWith(`${scope}/`) ? path.slice(scope.length + 1).split('/') : null;
}

function keyAt(scope: string, parts: string[], depth: number): string {
	const rel = parts.slice(0, depth).join('/');
	if (!rel) return scope || ROOT;
	return scope ? `${scope}/${rel}` : rel;
}

/** The boxes of the map at `scope`. */
export function unitView(arch: Architecture, options: UnitOptions = {}): UnitView {
	const scope = options.scope && options.scope !== ROOT ? options.scope.replace(/\/+$/, '') : '';
	const maxUnits = options.maxUnits ?? 80;
	const maxGroups = options.maxGroups ?? 12;
	const include = options.include ?? (() => true);

	const inScope: { m: number; parts: string[] }[] = [];
	let hidden = 0;
	arch.modules.forEach((mod, m) => {
		const parts = relativeParts(mod.path, scope);
		if (!parts) return;
		if (!include(m)) hidden++;
		else inScope.push({ m, parts });
	});
	const deepest = Math.max(1, ...inScope.map((x) => x.parts.length));
	const count = (d: number) => new Set(inScope.map((x) => keyAt(scope, x.parts, d))).size;
	let depth = 1;
	for (let d = deepest; d >= 1; d--) {
		if (count(d) <= maxUnits) {
			depth = d;
			break;
		}
	}

	const byKey = new Map<string, Unit>();
	const unitOf = new Int32Array(arch.modules.length).fill(-1);
	const units: Unit[] = [];
	for (const { m, parts } of [...inScope].sort((a, b) => compare(arch.modules[a.m].path, arch.modules[b.m].path))) {
		const key = keyAt(scope, parts, depth);
		let unit = byKey.get(key);
		if (!unit) {
			const rel = parts.slice(0, depth).join('/');
			unit = { key, label: rel || (scope ? `${scope.split('/').pop()} (itself)` : '(root)'), modules: [], module: null, symbols: 0, files: 0, lines: 0, role: 'source', group: '' };
			byKey.set(key, unit);
			units.push(unit);
		}
		const mod = arch.modules[m];
		unit.modules.push(m);
		unit.symbols += mod.symbols;
		unit.files += mod.files;
		unit.lines += mod.lines;
	}
	units.sort((a, b) => compare(a.key, b.key));
	units.forEach((unit, i) => {
		unit.modules.sort((a, b) => a - b);
		for (const m of unit.modules) unitOf[m] = i;
		if (unit.modules.length === 1 && arch.modules[unit.modules[0]].path === unit.key) unit.module = unit.modules[0];
		const roles = unit.modules.map((m) => arch.modules[m].role);
		unit.role = roles.includes('source') ? 'source' : roles[0];
	});

	// Groups: the shallowest directory level above the boxes that gives 2..maxGroups groups.
	const partsOf = (unit: Unit) => relativeParts(unit.key, scope) ?? [];
	for (let g = 1; g < depth; g++) {
		const groups = new Set(units.map((u) => partsOf(u).slice(0, g).join('/')));
		if (groups.size >= 2 && groups.size <= maxGroups) {
			for (const u of units) {
				u.group = partsOf(u).slice(0, g).join('/');
				// The group's band names the directory: the box names what is below it.
				if (u.group && u.label.startsWith(`${u.group}/`)) u.label = u.label.slice(u.group.length + 1);
			}
			break;
		}
	}

	const deps = new Map<string, UnitDependency>();
	const outside = { out: 0, in: 0 };
	const inView = (m: number) => relativeParts(arch.modules[m].path, scope) !== null;
	for (const dep of arch.dependencies) {
		const a = unitOf[dep.from];
		const b = unitOf[dep.to];
		if (a >= 0 && b >= 0) {
			if (a !== b) add(deps, a, b, dep);
		} else if (a >= 0 && !inView(dep.to)) outside.out += dep.weight;
		else if (b >= 0 && !inView(dep.from)) outside.in += dep.weight;
	}
	const dependencies = [...deps.values()].sort((x, y) => x.from - y.from || x.to - y.to);
	return { scope, depth, units, dependencies, outside, hidden };
}

function add(deps: Map<string, UnitDependency>, a: number, b: number, dep: ModuleDependency): void {
	const key = `${a}>${b}`;
	let d = deps.get(key);
	if (!d) deps.set(key, (d = { from: a, to: b, weight: 0, kinds: {} }));
	d.weight += dep.weight;
	for (const [kind, n] of Object.entries(dep.kinds) as [DependencyKind, number][]) d.kinds[kind] = (d.kinds[kind] ?? 0) + n;
}

/** The directories from the repository root down to `scope`, for a breadcrumb. */
export function scopeTrail(scope: string): { key: string; label: string }[] {
	const trail = [{ key: '', label: 'repository' }];
	if (!scope || scope === ROOT) return trail;
	const parts = scope.split('/');
	parts.forEach((p, i) => trail.push({ key: parts.slice(0, i + 1).join('/'), label: p }));
	return trail;
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
