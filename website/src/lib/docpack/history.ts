/**
 * `history.json` (optional, since docpack 1.4; DOCPACK_SPEC §4.9): the
 * repository's git history joined to its structure, as `doctown-history`
 * writes it (common/history/README.md defines every figure). The website
 * reads it whole (it is small next to the symbols) and refuses a format or
 * version it does not know, with a one-line reason instead of the views.
 */

export const HISTORY_FORMAT = 'doctown-history';
export const HISTORY_VERSION = 1;

export interface HistorySummary {
	head?: string | null;
	commits: number;
	merges: number;
	authors: number;
	files: number;
	shallow: boolean;
	boundary_commits: number;
	first_parent: boolean;
	since?: string | null;
	max_commits?: number | null;
	truncated: boolean;
	first_commit?: string | null;
	last_commit?: string | null;
	/** The per-symbol pass ran. */
	symbols: boolean;
}

export interface AuthorStats {
	/** The email after `.mailmap`, lowercased. */
	key: string;
	name: string;
	commits: number;
	added: number;
	removed: number;
	first_commit: string;
	last_commit: string;
}

export interface FileHistory {
	path: string;
	language: string;
	alive: boolean;
	lines?: number | null;
	commits: number;
	added: number;
	removed: number;
	authors: number;
	binary: boolean;
	first_change: string;
	last_change: string;
	former_paths?: string[] | null;
}

export interface SymbolHistory {
	path: string;
	name: string;
	/** The symbol in nodes.json, when the docpack has it. */
	id?: string | null;
	kind: string;
	container?: boolean | null;
	alive: boolean;
	lines?: number | null;
	commits: number;
	authors: number;
	added: number;
	removed: number;
	first_change: string;
	last_change: string;
	age_days: number;
}

export interface CoupledPair {
	a: string;
	b: string;
	support: number;
	confidence_a: number;
	confidence_b: number;
	degree: number;
	/** false: hidden coupling (no static edge); absent: not judged. */
	linked?: boolean | null;
}

export interface Coupling {
	min_support: number;
	min_revisions: number;
	min_degree: number;
	max_changeset: number;
	skipped_commits: number;
	files: CoupledPair[];
	/** `path#name` pairs. */
	symbols: CoupledPair[];
}

export interface FileOwnership {
	path: string;
	authors: number;
	main_author: string;
	main_share: number;
	doa_authors: string[];
}

export interface ModuleOwnership {
	/** A directory, or `""` for the repository. */
	path: string;
	files: number;
	authors: number;
	main_author: string;
	main_share: number;
	truck_factor: number;
	truck_authors: string[];
}

export interface Hotspot {
	/** A path, a `path#symbol`, or a module directory. */
	name: string;
	score: number;
	commits: number;
	complexity: number;
	centrality: number;
}

export interface LanguageLines {
	added: number;
	removed: number;
}

export interface Month {
	/** `YYYY-MM`. */
	month: string;
	commits: number;
	authors: number;
	added: number;
	removed: number;
	files_added: number;
	files_deleted: number;
	languages: Record<string, LanguageLines>;
	symbols_added: number;
	symbols_removed: number;
}

export interface History {
	format: string;
	version: number;
	summary: HistorySummary;
	authors: AuthorStats[];
	files: FileHistory[];
	symbols: SymbolHistory[];
	coupling: Coupling;
	ownership: { files: FileOwnership[]; modules: ModuleOwnership[]; module_depth: number };
	modules: { path: string; commits: number }[];
	hotspots: { basis: string; limit: number; files: Hotspot[]; symbols: Hotspot[]; modules: Hotspot[] };
	timeline: Month[];
	/** Per day (`month` is `YYYY-MM-DD`), for a history of at most 92 days; empty otherwise (and in docpacks written before). */
	days: Month[];
}

/** What the docpack says of its history: the part, or why there is none (`reason` null: it does not say). */
export type HistoryPart = { history: History } | { history: null; reason: string | null };

/**
 * Parses `history.json`. A history of another format or version, or one
 * that is not the document's shape, is not shown: the reason says why (the
 * rest of the docpack still opens).
 */
export function parseHistory(data: Uint8Array | string): HistoryPart {
	let value: unknown;
	try {
		value = JSON.parse(typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: true }).decode(data));
	} catch (e) {
		return { history: null, reason: `history.json is not valid JSON (${(e as Error).message})` };
	}
	const h = value as Partial<History> | null;
	if (!h || typeof h !== 'object') return { history: null, reason: 'history.json is not an object' };
	if (h.format !== HISTORY_FORMAT || h.version !== HISTORY_VERSION) {
		return { history: null, reason: `history.json is ${JSON.stringify(h.format)} version ${JSON.stringify(h.version)}; this website reads ${HISTORY_FORMAT} version ${HISTORY_VERSION}` };
	}
	const lists = [h.authors, h.files, h.timeline, h.modules, h.coupling?.files, h.ownership?.modules, h.hotspots?.files, h.hotspots?.modules];
	if (!h.summary || lists.some((l) => !Array.isArray(l))) return { history: null, reason: 'history.json lacks a part of the document (summary, authors, files, coupling, ownership, hotspots or timeline)' };
	return {
		history: {
			...(h as History),
			symbols: h.symbols ?? [],
			days: Array.isArray(h.days) ? h.days : [],
			coupling: { ...h.coupling!, symbols: h.coupling!.symbols ?? [] },
			hotspots: { ...h.hotspots!, symbols: h.hotspots!.symbols ?? [] }
		}
	};
}

/** The history part of a docpack with no `history.json`: the manifest's reason, if it gives one. */
export function absentHistory(parts: { history_absent?: string | null } | undefined): HistoryPart {
	return { history: null, reason: parts?.history_absent ?? null };
}
