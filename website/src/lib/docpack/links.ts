/** Links from a docpack back to its source. */

import { checkSource } from '../source-url';
import type { Manifest, SymbolSummary } from './types';

/**
 * `https://github.com/o/r/blob/<commit>/<path>#L<a>-L<b>` when the docpack's
 * source is on GitHub (the exact commit when known, else the ref); null otherwise.
 */
export function sourceLink(source: Manifest['source'], symbol: Pick<SymbolSummary, 'path' | 'range'>): string | null {
	if (!source.repo_url) return null;
	const parsed = checkSource(source.repo_url);
	if (!parsed.ok || parsed.spec.kind !== 'github') return null;
	const { owner, repo, subpath } = parsed.spec;
	const at = source.commit || source.ref || parsed.spec.ref;
	if (!at) return null;
	const path = [subpath, symbol.path].filter(Boolean).join('/');
	const encoded = path.split('/').map(encodeURIComponent).join('/');
	const { start_line, end_line } = symbol.range;
	const lines = end_line > start_line ? `#L${start_line}-L${end_line}` : `#L${start_line}`;
	return `https://github.com/${owner}/${repo}/blob/${encodeURIComponent(at)}/${encoded}${lines}`;
}
