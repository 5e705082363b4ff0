/**
 * The explorer's state in the address bar, so that a link shows what its
 * sender saw: the view, the directory the map is scoped to, the module, the
 * symbol, the search, the flow and the question asked. `job` (which
 * docpack) is kept as it is.
 *
 *   /explore?job=J&view=map&scope=common&module=module%3Acommon%2Fcore&symbol=sym_…&q=parse&flow=sym_…
 *   /explore?job=J&view=ask&ask=where+is+the+state+written
 *   /explore?job=J&view=history&month=2024-03
 */

export const VIEWS = ['map', 'flows', 'graph', 'symbols', 'docs', 'history', 'ask'] as const;
export type View = (typeof VIEWS)[number];

export interface ExploreState {
	view: View;
	/** The directory the architecture map shows ('' = the whole repository). */
	scope: string;
	/** A module id (`module:…`), or a folded directory (`dir:…`). */
	module: string | null;
	symbol: string | null;
	/** The search box. */
	q: string;
	/** The entry symbol of the flow shown. */
	flow: string | null;
	/** The file chosen in "Files & symbols". */
	file: string | null;
	/** The question asked in the Ask tab ('' = none). */
	ask: string;
	/** The bucket the history's timeline is scrubbed to (`YYYY-MM`; `YYYY-MM-DD` for a day, or a week by its Monday; null = the last). */
	month: string | null;
}

export const DEFAULT_STATE: ExploreState = { view: 'map', scope: '', module: null, symbol: null, q: '', flow: null, file: null, ask: '', month: null };

const KEYS = ['view', 'scope', 'module', 'symbol', 'q', 'flow', 'file', 'ask', 'month'] as const;

/** Longest value read from a link (a search is short; ids and paths are too). */
const MAX_VALUE = 1000;
/** A question may be as long as the server takes (`MAX_QUESTION` in ask.ts). */
const MAX_QUESTION = 2000;

/** The state a query string describes (unknown or malformed values fall back to the defaults). */
export function readState(params: URLSearchParams): ExploreState {
	const get = (key: string, max = MAX_VALUE) => {
		const value = params.get(key);
		return value && value.length <= max ? value : null;
	};
	const view = get('view');
	return {
		view: (VIEWS as readonly string[]).includes(view ?? '') ? (view as View) : DEFAULT_STATE.view,
		scope: (get('scope') ?? '').replace(/^\/+|\/+$/g, ''),
		module: get('module'),
		symbol: get('symbol'),
		q: get('q') ?? '',
		flow: get('flow'),
		file: get('file'),
		ask: get('ask', MAX_QUESTION) ?? '',
		month: /^\d{4}-\d{2}(-\d{2})?$/.test(get('month') ?? '') ? get('month') : null
	};
}

/**
 * `params` with the state written in (defaults left out, other parameters
 * such as `job` kept), as a new object.
 */
export function writeState(params: URLSearchParams, state: ExploreState): URLSearchParams {
	const out = new URLSearchParams(params);
	for (const key of KEYS) out.delete(key);
	for (const key of KEYS) {
		const value = state[key];
		if (value && value !== DEFAULT_STATE[key]) out.set(key, value);
	}
	return out;
}

/** Whether two states differ in what deserves its own history entry (not the search text, nor the month scrubbed to). */
export function isNewPlace(a: ExploreState, b: ExploreState): boolean {
	return a.view !== b.view || a.scope !== b.scope || a.module !== b.module || a.symbol !== b.symbol || a.flow !== b.flow || a.file !== b.file || a.ask !== b.ask;
}

export function sameState(a: ExploreState, b: ExploreState): boolean {
	return KEYS.every((k) => a[k] === b[k]);
}
