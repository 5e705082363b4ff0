/**
 * The history joined to the docpack: co-change pairs whose sides link to a
 * symbol or a file, each symbol's own history and the pairs that name it,
 * and authors by name.
 */

import type { CoupledPair, History, Hotspot, ModuleOwnership, SymbolHistory } from '$lib/docpack/history';

/** One side of a co-change pair: a file, or a symbol (`path#name`) with its docpack id when it has one. */
export interface PairSide {
	path: string;
	/** The symbol's name within its file; null for a file. */
	name: string | null;
	/** The symbol in nodes.json; null for a file or a symbol the docpack does not have. */
	symbolId: string | null;
}

export interface CouplingRow {
	level: 'file' | 'symbol';
	a: PairSide;
	b: PairSide;
	support: number;
	confidenceA: number;
	confidenceB: number;
	degree: number;
	/** No static edge links the two: they change together and nothing in the code says why. */
	hidden: boolean;
	/** Whether the graph was asked at all (`linked` present). */
	judged: boolean;
}

/** `path#name` → path and name (a symbol's name may hold `#`: `#2` for repeats; the path never does). */
export function splitEntity(entity: string): { path: string; name: string | null } {
	const at = entity.indexOf('#');
	return at < 0 ? { path: entity, name: null } : { path: entity.slice(0, at), name: entity.slice(at + 1) };
}

/** Symbol histories by `path#name`, and by docpack id. */
export class SymbolIndex {
	private readonly byEntity = new Map<string, SymbolHistory>();
	private readonly byId = new Map<string, SymbolHistory>();
	constructor(history: History) {
		for (const s of history.symbols) {
			this.byEntity.set(`${s.path}#${s.name}`, s);
			if (s.id) this.byId.set(s.id, s);
		}
	}
	entity(entity: string): SymbolHistory | undefined {
		return this.byEntity.get(entity);
	}
	id(id: string): SymbolHistory | undefined {
		return this.byId.get(id);
	}
}

function side(entity: string, symbols: SymbolIndex): PairSide {
	const { path, name } = splitEntity(entity);
	return { path, name, symbolId: name === null ? null : (symbols.entity(entity)?.id ?? null) };
}

function row(level: CouplingRow['level'], p: CoupledPair, symbols: SymbolIndex): CouplingRow {
	return {
		level,
		a: side(p.a, symbols),
		b: side(p.b, symbols),
		support: p.support,
		confidenceA: p.confidence_a,
		confidenceB: p.confidence_b,
		degree: p.degree,
		hidden: p.linked === false,
		judged: p.linked !== undefined && p.linked !== null
	};
}

/** Every co-change pair, files then symbols, in the history's order (strongest first). */
export function couplingRows(history: History, symbols = new SymbolIndex(history)): CouplingRow[] {
	return [...history.coupling.files.map((p) => row('file', p, symbols)), ...history.coupling.symbols.map((p) => row('symbol', p, symbols))];
}

export interface SymbolStory {
	history: SymbolHistory;
	/** The symbols it changes with, strongest first: the other side, and the pair. */
	changesWith: { other: PairSide; row: CouplingRow }[];
}

/** A symbol's history by its docpack id, and what it changes with; null when the history has no symbol pass or no such symbol. */
export function symbolStory(history: History, id: string, symbols = new SymbolIndex(history)): SymbolStory | null {
	if (!history.summary.symbols) return null;
	const own = symbols.id(id);
	if (!own) return null;
	const entity = `${own.path}#${own.name}`;
	const changesWith = history.coupling.symbols
		.filter((p) => p.a === entity || p.b === entity)
		.map((p) => {
			const r = row('symbol', p, symbols);
			return { other: p.a === entity ? r.b : r.a, row: r };
		});
	return { history: own, changesWith };
}

/** An author's display name from their key (the key itself when the history does not list it). */
export function authorNames(history: History): (key: string) => string {
	const names = new Map(history.authors.map((a) => [a.key, a.name]));
	return (key) => names.get(key) ?? key;
}

export interface ModuleStory {
	/** The directory the figures are for: the module's own, or its nearest ancestor the history counts (down to `module_depth`). */
	path: string;
	/** The figures are the module's own. */
	exact: boolean;
	ownership: ModuleOwnership;
	/** Commits that touched its living source files (absent for the repository root). */
	commits: number | null;
	hotspot: Hotspot | null;
}

/** A module directory's ownership, commits and hotspot (`.` or `""`: the repository); null when the history has none. */
export function moduleStory(history: History, dir: string): ModuleStory | null {
	const owners = new Map(history.ownership.modules.map((m) => [m.path, m]));
	let path = dir === '.' ? '' : dir.replace(/^\/+|\/+$/g, '');
	const asked = path;
	while (!owners.has(path) && path !== '') path = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
	const ownership = owners.get(path);
	if (!ownership) return null;
	return {
		path,
		exact: path === asked,
		ownership,
		commits: history.modules.find((m) => m.path === path)?.commits ?? null,
		hotspot: history.hotspots.modules.find((h) => h.name === path) ?? null
	};
}
