/**
 * The module level of a docpack: its modules (directories, from the module
 * docs and the graph's module nodes) with their size, role, overview, most
 * central symbols and clusters, and the dependencies between them.
 *
 * Since format 1.4 the writer states each module's code and dependencies in
 * `docs.json` (DOCPACK_SPEC.md §4.6), which precedes `graph.json`: the map
 * draws from them alone ({@link architectureFromDocs}). For older docpacks
 * they are counted here by the same rule (the writer's is
 * `common/docpack/src/module_level.rs`): a file belongs to the module whose
 * path is the file, else its directory; a symbol to the module whose doc
 * lists it, else its file's; a dependency is a `calls` or `imports` edge of
 * confidence at least {@link CONFIDENT} (or none: structure) between source
 * code — a symbol or file whose role is absent or `source`, or a module —
 * in two different modules. Edges below the threshold are guesses and never
 * draw an arrow.
 *
 * Pure data in, data out: it runs in a Web Worker as well as in the page,
 * and what it returns can be posted between them.
 */

import {
	CONFIDENT,
	type Docpack,
	type Docs,
	type Documentation,
	type FileRole,
	type ModuleDoc,
	type ModulePackageDoc,
	type PurposeDoc,
	type SymbolKind
} from '$lib/docpack/types';
import { EdgeTable } from '$lib/docpack/edges';

/** Edge kinds that are dependencies between modules (the writer's rule). */
export const DEPENDENCY_KINDS = ['calls', 'imports'] as const;
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

/** Most central symbols kept per module. */
export const TOP_SYMBOLS = 10;
/** Clusters kept per module, largest share first. */
export const TOP_CLUSTERS = 8;

export interface TopSymbol {
	id: string;
	name: string;
	kind: SymbolKind;
	path: string;
	line: number;
	centrality: number;
}

export interface ArchModule {
	/** `module:<name>`. */
	id: string;
	name: string;
	/** The module's directory (`.` for the repository root). */
	path: string;
	symbols: number;
	files: number;
	lines: number;
	/** `source` unless every file of the module has another role (tests, examples, …). */
	role: FileRole;
	/** Symbols per language, most first. */
	languages: [string, number][];
	/** The module's overview from `docs.json`. */
	doc: Documentation | null;
	/** The package whose directory holds the module most closely (docpack 1.5 on). */
	package: ModulePackageDoc | null;
	/** Most central symbols, most central first (at most {@link TOP_SYMBOLS}). */
	top: TopSymbol[];
	/** Clusters with members in the module, most members first (at most {@link TOP_CLUSTERS}). */
	clusters: { id: string; label: string; count: number }[];
}

export interface ReadingStep {
	/** A module path or a symbol name. */
	target: string;
	why: string;
}

/** The `reading_order` insight's steps, when the docpack has them. */
export function readingOrder(docs: Docs): ReadingStep[] {
	const insight = (docs.insights ?? []).find((i) => i.family === 'reading_order');
	const steps = (insight?.answer as { steps?: unknown } | undefined)?.steps;
	if (!Array.isArray(steps)) return [];
	return steps.filter((s): s is ReadingStep => typeof s?.target === 'string' && typeof s?.why === 'string');
}

export interface ModuleDependency {
	/** Module indices. */
	from: number;
	to: number;
	/** Confident dependency edges between the two modules. */
	weight: number;
	kinds: Partial<Record<DependencyKind, number>>;
}

export interface Architecture {
	modules: ArchModule[];
	/** Sorted by (from, to). */
	dependencies: ModuleDependency[];
	/** The docpack's architecture summary. */
	summary: Documentation | null;
	/** What the repository says it is for (docpack 1.5 on). */
	purpose: PurposeDoc | null;
	/** Where to start reading: the `reading_order` insight's steps (with a history). */
	readingOrder: ReadingStep[];
	/** File path → module index. */
	moduleOfFile: Map<string, number>;
	/** Symbols whose module doc's `symbols` list places them elsewhere than their file's module (or whose file has none). */
	moduleOfSymbol: Map<string, number>;
	/** Symbols in no module. */
	unplaced: number;
}

type Input = Pick<Docpack, 'symbols' | 'graph' | 'docs' | 'files' | 'clusters'>;

const isSourceRole = (role: FileRole | null | undefined) => role == null || role === 'source';

/** The directory of a path, `.` at the root (as `imports::module_of` in assemble). */
export function directoryOf(path: string): string {
	const slash = path.lastIndexOf('/');
	return slash < 0 ? '.' : path.slice(0, slash);
}

const built = new WeakMap<object, Architecture>();

/** The module level of a docpack, built once. */
export function architectureOf(docpack: Input): Architecture {
	let arch = built.get(docpack);
	if (!arch) built.set(docpack, (arch = buildArchitecture(docpack)));
	return arch;
}

export interface BuildOptions {
	/**
	 * The role of a file the docpack does not list (its source map not read
	 * yet): files are then taken from the graph's edges, and symbols absent
	 * from the docpack are placed by the graph's `contains` edges.
	 */
	guessRole?: (path: string) => FileRole;
}

/** The module level of a docpack. */
export function buildArchitecture(docpack: Input, options: BuildOptions = {}): Architecture {
	const steps = architectureSteps(docpack, options);
	for (;;) {
		const step = steps.next();
		if (step.done) return step.value;
	}
}

/** {@link buildArchitecture} in slices of symbols, `pause` between two (the page paints); remembered as {@link architectureOf}'s. */
export async function buildArchitectureInSlices(docpack: Input, pause: () => Promise<void>): Promise<Architecture> {
	const steps = architectureSteps(docpack, {});
	for (;;) {
		const step = steps.next();
		if (step.done) {
			built.set(docpack, step.value);
			return step.value;
		}
		await pause();
	}
}

/** Symbols per slice of {@link buildArchitectureInSlices}. */
const SLICE = 5_000;

/** The work of {@link buildArchitecture}, yielding after each slice of symbols. */
function* architectureSteps(docpack: Input, options: BuildOptions): Generator<void, Architecture, void> {
	// Modules: the module docs, then module nodes without a doc; else one per directory.
	const modules: ArchModule[] = [];
	const indexOfId = new Map<string, number>();
	const addModule = (id: string, name: string, path: string | null | undefined, doc: Documentation | null, pkg: ModulePackageDoc | null = null) => {
		if (indexOfId.has(id)) return;
		indexOfId.set(id, modules.length);
		modules.push({
			id,
			name,
			path: path || name || id.replace(/^module:/, ''),
			symbols: 0,
			files: 0,
			lines: 0,
			role: 'source',
			languages: [],
			doc,
			package: pkg,
			top: [],
			clusters: []
		});
	};
	for (const m of docpack.docs.modules ?? []) addModule(m.id, m.name, m.path, m.documentation ?? null, m.package ?? null);
	for (const node of docpack.graph.nodes) {
		if (node.kind === 'module') addModule(node.id, node.name, node.path, null);
	}
	const byPath = new Map<string, number>();
	modules.forEach((m, i) => byPath.has(m.path) || byPath.set(m.path, i));

	// The graph by node index: what each node is (0 symbol, 1 file, 2 module).
	const table = EdgeTable.of(docpack.graph.edges);
	const nodes = table.ids.length;
	const type = new Uint8Array(nodes);
	table.ids.forEach((id, i) => (type[i] = id.startsWith('file:') ? 1 : id.startsWith('module:') ? 2 : 0));
	const contains = table.kinds.indexOf('contains');

	// Files → modules: the graph's `contains` edges from modules, else the module of the file itself or of its directory.
	const moduleOfFile = new Map<string, number>();
	for (let i = 0; i < table.length; i++) {
		if (table.kind[i] !== contains || type[table.to[i]] !== 1 || type[table.from[i]] !== 2) continue;
		const m = indexOfId.get(table.ids[table.from[i]]);
		if (m !== undefined) moduleOfFile.set(table.ids[table.to[i]].slice(5), m);
	}
	const derived = modules.length === 0;
	const fileModule = (path: string): number => {
		let m = moduleOfFile.get(path);
		if (m !== undefined) return m;
		const dir = directoryOf(path);
		m = byPath.get(path) ?? byPath.get(dir);
		if (m === undefined && derived) {
			// A docpack without modules: every directory is one.
			m = modules.length;
			addModule(`module:${dir}`, dir, dir, null);
			byPath.set(dir, m);
		}
		if (m !== undefined) moduleOfFile.set(path, m);
		return m ?? -1;
	};

	// Files: the source map's, or (before it is read) the graph's, with guessed roles.
	const files: { path: string; role?: FileRole | null; lines?: number }[] =
		docpack.files.length || !options.guessRole
			? docpack.files
			: table.ids.filter((id, i) => type[i] === 1).map((id) => ({ path: id.slice(5), role: options.guessRole!(id.slice(5)), lines: 0 }));
	const fileRole = new Map<string, FileRole | null | undefined>();
	const rolesOf: Map<FileRole, number>[] = [];
	for (const f of files) {
		fileRole.set(f.path, f.role);
		const m = fileModule(f.path);
		if (m < 0) continue;
		const mod = modules[m];
		mod.files++;
		mod.lines += f.lines ?? 0;
		const role = f.role ?? 'source';
		(rolesOf[m] ??= new Map()).set(role, (rolesOf[m].get(role) ?? 0) + 1);
	}
	rolesOf.forEach((roles, m) => {
		if (!roles || roles.has('source')) return;
		modules[m].role = [...roles].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
	});

	// Symbols a module doc lists (the first that does): that is their module. Without
	// the symbols (the graph alone), every listing is kept; with them, those that differ
	// from the symbol's file's module.
	const docModules = docpack.docs.modules ?? [];
	const moduleOfSymbol = new Map<string, number>();
	const byFile = new Int32Array(docpack.symbols.length);
	for (let k = 0; k < byFile.length; k++) {
		byFile[k] = fileModule(docpack.symbols[k].path);
		if (k % SLICE === SLICE - 1) yield;
	}
	const listed = docpack.symbols.length ? listedModules(docpack.symbols, byFile, docModules, indexOfId, modules.length) : null;
	yield;
	if (!listed) {
		for (const doc of docModules) {
			const m = indexOfId.get(doc.id)!;
			for (const id of doc.symbols ?? []) if (!moduleOfSymbol.has(id)) moduleOfSymbol.set(id, m);
		}
	}

	// What each graph node stands for in the dependencies: its module, encoded
	// m for source code and -m - 2 otherwise; -1 for none. Not needed when
	// docs.json states the dependencies and the symbols are in.
	const stated = statedDependencies(docModules, indexOfId);
	const at = stated && listed ? null : new Int32Array(nodes).fill(-1);
	if (at) {
		table.ids.forEach((id, i) => {
			if (type[i] === 2) at[i] = indexOfId.get(id) ?? -1;
			else if (type[i] === 1) {
				const path = id.slice(5);
				const m = fileModule(path);
				if (m >= 0) at[i] = isSourceRole(fileRole.get(path)) ? m : -m - 2;
			}
		});
	}

	// Symbols: sizes, languages, most central, clusters.
	const clusterLabel = new Map(docpack.clusters.map((c) => [c.id, c.label]));
	const languages: Map<string, number>[] = [];
	const clusters: Map<string, number>[] = [];
	let unplaced = 0;
	for (let k = 0; k < docpack.symbols.length; k++) {
		if (k % SLICE === SLICE - 1) yield;
		const s = docpack.symbols[k];
		const byDoc = listed![k];
		if (byDoc >= 0 && byDoc !== byFile[k]) moduleOfSymbol.set(s.id, byDoc);
		const m = byDoc >= 0 ? byDoc : byFile[k];
		if (m < 0) {
			unplaced++;
			continue;
		}
		const node = at ? table.index.get(s.id) : undefined;
		if (node !== undefined) at![node] = isSourceRole(s.role) && isSourceRole(fileRole.get(s.path)) ? m : -m - 2;
		const mod = modules[m];
		mod.symbols++;
		if (s.language) {
			const langs = (languages[m] ??= new Map());
			langs.set(s.language, (langs.get(s.language) ?? 0) + 1);
		}
		if (s.cluster) {
			const counts = (clusters[m] ??= new Map());
			counts.set(s.cluster, (counts.get(s.cluster) ?? 0) + 1);
		}
		keepTop(mod.top, {
			id: s.id,
			name: s.name,
			kind: s.kind,
			path: s.path,
			line: s.range?.start_line ?? 0,
			centrality: s.centrality ?? 0
		});
	}
	if (at && docpack.symbols.length === 0 && options.guessRole) {
		// Symbols known only by the graph: a file's, or (members) their parent's.
		let pending: number[] = [];
		for (let i = 0; i < table.length; i++) {
			if (table.kind[i] !== contains || type[table.to[i]] !== 0) continue;
			if (type[table.from[i]] === 1) {
				at[table.to[i]] = at[table.from[i]];
				if (at[table.from[i]] !== -1) modules[decode(at[table.from[i]])].symbols++;
			} else if (type[table.from[i]] === 0) pending.push(i);
		}
		const placed = new Uint8Array(nodes);
		for (let i = 0; i < table.length; i++) if (table.kind[i] === contains && type[table.from[i]] === 1) placed[table.to[i]] = 1;
		while (pending.length) {
			const rest = pending.filter((i) => {
				const parent = table.from[i];
				const child = table.to[i];
				if (!placed[parent]) return true;
				if (!placed[child]) {
					placed[child] = 1;
					at[child] = at[parent];
					if (at[parent] !== -1) modules[decode(at[parent])].symbols++;
				}
				return false;
			});
			if (rest.length === pending.length) break;
			pending = rest;
		}
	}
	modules.forEach((mod, m) => {
		mod.languages = [...(languages[m] ?? [])].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
		mod.clusters = [...(clusters[m] ?? [])]
			.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
			.slice(0, TOP_CLUSTERS)
			.map(([id, count]) => ({ id, label: clusterLabel.get(id) ?? id, count }));
	});

	// Dependencies: as docs.json states them (1.4 on), else counted from the graph.
	const dependencies = stated ?? countDependencies(table, at!, modules.length);
	return {
		modules,
		dependencies,
		summary: docpack.docs.architecture?.documentation ?? null,
		purpose: docpack.docs.architecture?.purpose ?? null,
		readingOrder: readingOrder(docpack.docs),
		moduleOfFile,
		moduleOfSymbol,
		unplaced
	};
}

/** Confident dependency edges between source code of two modules, counted; `at` is each node's encoded module. */
function countDependencies(table: EdgeTable, at: Int32Array, moduleCount: number): ModuleDependency[] {
	const isDependency = new Uint8Array(table.kinds.length);
	table.kinds.forEach((k, c) => (isDependency[c] = (DEPENDENCY_KINDS as readonly string[]).includes(k) ? 1 : 0));
	const deps = new Map<number, ModuleDependency>();
	const n = Math.max(1, moduleCount);
	for (let i = 0; i < table.length; i++) {
		if (!isDependency[table.kind[i]]) continue;
		const confidence = table.confidence[i];
		if (confidence < CONFIDENT) continue; // NaN (none: certain) compares false
		const a = at[table.from[i]];
		if (a < 0) continue;
		const b = at[table.to[i]];
		if (b < 0 || a === b) continue;
		const key = a * n + b;
		let dep = deps.get(key);
		if (!dep) deps.set(key, (dep = { from: a, to: b, weight: 0, kinds: {} }));
		dep.weight++;
		const kind = table.kinds[table.kind[i]] as DependencyKind;
		dep.kinds[kind] = (dep.kinds[kind] ?? 0) + 1;
	}
	return [...deps.values()].sort((x, y) => x.from - y.from || x.to - y.to);
}

/**
 * Per symbol: the first module whose doc lists it, or -1. A module's list
 * usually names exactly the symbols of its files (`byFile`), in the same
 * order (by id, as nodes.json is): it is then compared, not looked up —
 * looking up 500,000 ids costs seconds. Other lists are looked up.
 */
function listedModules(symbols: readonly { id: string }[], byFile: Int32Array, docs: readonly ModuleDoc[], indexOfId: Map<string, number>, moduleCount: number): Int32Array {
	const listed = new Int32Array(symbols.length).fill(-1);
	const ofModule: number[][] = Array.from({ length: moduleCount }, () => []);
	byFile.forEach((m, k) => m >= 0 && ofModule[m].push(k));
	let byId: Map<string, number> | null = null;
	for (const doc of docs) {
		const m = indexOfId.get(doc.id)!;
		const list = doc.symbols ?? [];
		const mine = ofModule[m];
		const same = list.length === mine.length && list.every((id, j) => symbols[mine[j]].id === id);
		if (!same) byId ??= new Map(symbols.map((s, i) => [s.id, i]));
		for (let j = 0; j < list.length; j++) {
			const k = same ? mine[j] : (byId!.get(list[j]) ?? -1);
			if (k >= 0 && listed[k] < 0) listed[k] = m;
		}
	}
	return listed;
}

/** Whether every module doc states its code and dependencies (a docpack of format 1.4 on). */
export function hasModuleLevel(docs: Docs): boolean {
	const list = docs.modules ?? [];
	return list.length > 0 && list.every((m) => m.code && m.dependencies);
}

/** The dependencies `docs.json` states, by module index (`indexOfId`), or null if it does not state them all. */
function statedDependencies(list: ModuleDoc[], indexOfId: Map<string, number>): ModuleDependency[] | null {
	if (!hasModuleLevel({ modules: list })) return null;
	const out: ModuleDependency[] = [];
	for (const m of list) {
		const from = indexOfId.get(m.id)!;
		for (const d of m.dependencies!) {
			const to = indexOfId.get(d.module);
			if (to === undefined || to === from) continue;
			const kinds: ModuleDependency['kinds'] = {};
			if (d.calls) kinds.calls = d.calls;
			if (d.imports) kinds.imports = d.imports;
			out.push({ from, to, weight: d.calls + d.imports, kinds });
		}
	}
	return out.sort((x, y) => x.from - y.from || x.to - y.to);
}

/**
 * The module level as `docs.json` states it (format 1.4 on), before any
 * other part is read: each module's size and role and the dependencies.
 * Not known yet: languages, central symbols, clusters, where each file and
 * symbol is (the full docpack's {@link buildArchitecture} says). Null for
 * an older docpack.
 */
export function architectureFromDocs(docs: Docs): Architecture | null {
	const list = docs.modules ?? [];
	if (!hasModuleLevel(docs)) return null;
	const indexOfId = new Map(list.map((m, i) => [m.id, i]));
	const modules: ArchModule[] = list.map((m) => ({
		id: m.id,
		name: m.name,
		path: m.path || m.name || m.id.replace(/^module:/, ''),
		symbols: m.code!.symbols,
		files: m.code!.files,
		lines: m.code!.lines,
		role: m.code!.role,
		languages: [],
		doc: m.documentation ?? null,
		package: m.package ?? null,
		top: [],
		clusters: []
	}));
	return {
		modules,
		dependencies: statedDependencies(list, indexOfId)!,
		summary: docs.architecture?.documentation ?? null,
		purpose: docs.architecture?.purpose ?? null,
		readingOrder: readingOrder(docs),
		moduleOfFile: new Map(),
		moduleOfSymbol: new Map(),
		unplaced: 0
	};
}

/** The module of an encoded node (`m`, or `-m - 2` for code that is not source). */
function decode(encoded: number): number {
	return encoded >= 0 ? encoded : -encoded - 2;
}

/** Inserts `s` into `top` (most central first) if it is among the {@link TOP_SYMBOLS} most central. */
function keepTop(top: TopSymbol[], s: TopSymbol): void {
	if (top.length === TOP_SYMBOLS && s.centrality <= top[top.length - 1].centrality) return;
	let i = top.length;
	while (i > 0 && top[i - 1].centrality < s.centrality) i--;
	top.splice(i, 0, s);
	if (top.length > TOP_SYMBOLS) top.pop();
}

/** The module index of a symbol, or -1. */
export function moduleOf(arch: Architecture, symbol: { id: string; path: string }): number {
	return arch.moduleOfSymbol.get(symbol.id) ?? arch.moduleOfFile.get(symbol.path) ?? -1;
}
