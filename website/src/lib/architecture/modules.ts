/**
 * The module level of a docpack: its modules (directories, from the module
 * docs and the graph's module nodes) with their size, role, overview, most
 * central symbols and clusters, and the dependencies between them.
 *
 * A dependency is what the pipeline counts as one (`RepoGraph::counts` in
 * `functions/assemble/src/graph.rs`): a `calls`, `references`, `imports`,
 * `implements` or `inherits` edge of confidence at least {@link CONFIDENT}
 * (or none: structure) between source code — a symbol or file whose role is
 * absent or `source`, or a module — in two different modules. Edges below
 * the threshold are guesses and never draw an arrow.
 *
 * Pure data in, data out: it runs in a Web Worker as well as in the page,
 * and what it returns can be posted between them.
 */

import { CONFIDENT, type Docpack, type Documentation, type FileRole, type SymbolKind } from '$lib/docpack/types';
import { EdgeTable } from '$lib/docpack/edges';

/** Edge kinds that are dependencies between modules. */
export const DEPENDENCY_KINDS = ['calls', 'references', 'imports', 'implements', 'inherits'] as const;
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
	/** Most central symbols, most central first (at most {@link TOP_SYMBOLS}). */
	top: TopSymbol[];
	/** Clusters with members in the module, most members first (at most {@link TOP_CLUSTERS}). */
	clusters: { id: string; label: string; count: number }[];
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
	/** File path → module index. */
	moduleOfFile: Map<string, number>;
	/** Symbols placed by their module doc's `symbols` list rather than by their file. */
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
	// Modules: the module docs, then module nodes without a doc; else one per directory.
	const modules: ArchModule[] = [];
	const indexOfId = new Map<string, number>();
	const addModule = (id: string, name: string, path: string | null | undefined, doc: Documentation | null) => {
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
			top: [],
			clusters: []
		});
	};
	for (const m of docpack.docs.modules ?? []) addModule(m.id, m.name, m.path, m.documentation ?? null);
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

	// Files → modules: the graph's `contains` edges from modules, else the directory's module.
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
		m = byPath.get(dir);
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

	// Symbols whose file has no module but whose module doc lists them.
	const moduleOfSymbol = new Map<string, number>();
	for (const doc of docpack.docs.modules ?? []) {
		const m = indexOfId.get(doc.id)!;
		for (const id of doc.symbols ?? []) moduleOfSymbol.set(id, m);
	}

	// What each graph node stands for in the dependencies: its module, encoded
	// m for source code and -m - 2 otherwise; -1 for none.
	const at = new Int32Array(nodes).fill(-1);
	table.ids.forEach((id, i) => {
		if (type[i] === 2) at[i] = indexOfId.get(id) ?? -1;
		else if (type[i] === 1) {
			const path = id.slice(5);
			const m = moduleOfFile.get(path) ?? (options.guessRole ? fileModule(path) : -1);
			if (m >= 0) at[i] = isSourceRole(fileRole.get(path)) ? m : -m - 2;
		}
	});

	// Symbols: sizes, languages, most central, clusters.
	const clusterLabel = new Map(docpack.clusters.map((c) => [c.id, c.label]));
	const languages: Map<string, number>[] = [];
	const clusters: Map<string, number>[] = [];
	let unplaced = 0;
	for (const s of docpack.symbols) {
		let m = moduleOfFile.get(s.path) ?? -1;
		if (m < 0) m = fileModule(s.path);
		if (m < 0) m = moduleOfSymbol.get(s.id) ?? -1;
		else moduleOfSymbol.delete(s.id);
		if (m < 0) {
			unplaced++;
			continue;
		}
		const node = table.index.get(s.id);
		if (node !== undefined) at[node] = isSourceRole(s.role) && isSourceRole(fileRole.get(s.path)) ? m : -m - 2;
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
	if (docpack.symbols.length === 0 && options.guessRole) {
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

	// Dependencies.
	const isDependency = new Uint8Array(table.kinds.length);
	table.kinds.forEach((k, c) => (isDependency[c] = (DEPENDENCY_KINDS as readonly string[]).includes(k) ? 1 : 0));
	const deps = new Map<number, ModuleDependency>();
	const n = Math.max(1, modules.length);
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
	const dependencies = [...deps.values()].sort((x, y) => x.from - y.from || x.to - y.to);
	return {
		modules,
		dependencies,
		summary: docpack.docs.architecture?.documentation ?? null,
		moduleOfFile,
		moduleOfSymbol,
		unplaced
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
	return arch.moduleOfFile.get(symbol.path) ?? arch.moduleOfSymbol.get(symbol.id) ?? -1;
}
