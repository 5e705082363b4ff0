/**
 * Client-side validation of what a user types as a repository, mirroring
 * `common/sources/src/parse.rs` (the forms the CLI accepts). The server has
 * the last word; this only gives inline feedback before submitting.
 */

export type SourceSpec =
	| { kind: 'github'; owner: string; repo: string; ref?: string; subpath?: string }
	| { kind: 'local'; path: string };

export type SourceCheck = { ok: true; spec: SourceSpec } | { ok: false; error: string };

const EXAMPLE = 'https://github.com/OWNER/REPO';

/** Parses a repository input. Local paths are accepted as such (servers started with --allow-local take them). */
export function checkSource(input: string): SourceCheck {
	const text = input.trim();
	if (!text) return fail(`enter a GitHub URL such as ${EXAMPLE}`);
	if (looksLikeUrl(text)) return parseGitHubUrl(text);
	if (looksLikePath(text)) return { ok: true, spec: { kind: 'local', path: text } };
	return fail(`not a GitHub URL: expected ${EXAMPLE} (or OWNER/REPO at github.com)`);
}

/** A short description of a valid source, for the hint under the input. */
export function describeSource(spec: SourceSpec, explicitRef?: string): string {
	if (spec.kind === 'local') return `local path ${spec.path} (the server must allow local sources)`;
	const ref = explicitRef?.trim() || spec.ref;
	let text = `github.com/${spec.owner}/${spec.repo}`;
	if (ref) text += ` at ${ref}`;
	if (spec.subpath) text += `, only ${spec.subpath}/`;
	return text;
}

function fail(error: string): SourceCheck {
	return { ok: false, error };
}

function looksLikeUrl(text: string): boolean {
	const lower = text.toLowerCase();
	return (
		lower.includes('://') ||
		lower.startsWith('git@') ||
		lower.startsWith('github.com/') ||
		lower.startsWith('www.github.com/')
	);
}

function looksLikePath(text: string): boolean {
	return /^(\/|\.\.?\/|~\/|[A-Za-z]:[\\/])/.test(text) || text === '.';
}

function parseGitHubUrl(input: string): SourceCheck {
	let normalised: string;
	if (input.toLowerCase().startsWith('git@')) {
		const rest = input.slice(4);
		const colon = rest.indexOf(':');
		if (colon < 0) return fail('expected git@github.com:OWNER/REPO.git');
		normalised = `ssh://git@${rest.slice(0, colon)}/${rest.slice(colon + 1).replace(/^\/+/, '')}`;
	} else if (input.includes('://')) {
		normalised = input;
	} else {
		normalised = `https://${input}`;
	}
	let url: URL;
	try {
		url = new URL(normalised);
	} catch {
		return fail(`invalid URL: expected ${EXAMPLE}`);
	}
	const scheme = url.protocol.replace(/:$/, '').toLowerCase();
	if (!['https', 'http', 'ssh', 'git'].includes(scheme)) {
		return fail(`unsupported scheme "${scheme}" (use ${EXAMPLE})`);
	}
	const host = url.hostname.toLowerCase();
	if (!host) return fail('missing host');
	if (host !== 'github.com' && host !== 'www.github.com') {
		return fail(`unsupported host "${host}": only GitHub (github.com) URLs are supported`);
	}
	const segments = url.pathname
		.split('/')
		.filter((s) => s.length > 0)
		.map(decodeSegment);
	if (segments.length < 2) return fail(`expected ${EXAMPLE}`);
	const owner = segments[0];
	const repo = segments[1].endsWith('.git') ? segments[1].slice(0, -4) : segments[1];
	const ownerError = validateOwner(owner);
	if (ownerError) return fail(ownerError);
	const repoError = validateRepo(repo);
	if (repoError) return fail(repoError);

	const spec: SourceSpec = { kind: 'github', owner, repo };
	const marker = segments[2];
	if (marker === 'tree' || marker === 'blob' || marker === 'commit') {
		const ref = segments[3];
		if (!ref) return fail(`missing ref after /${marker}/`);
		spec.ref = ref;
		const rest = segments.slice(4).join('/');
		// URL parsing has already resolved '.' and '..' segments.
		if (marker === 'tree' && rest) spec.subpath = rest;
	}
	return { ok: true, spec };
}

function validateOwner(owner: string): string | null {
	const ok = owner.length >= 1 && owner.length <= 39 && !owner.startsWith('-') && /^[A-Za-z0-9-]+$/.test(owner);
	return ok ? null : `invalid GitHub owner "${owner}": use 1-39 letters, digits or '-', not starting with '-'`;
}

function validateRepo(repo: string): string | null {
	const ok =
		repo.length >= 1 && repo.length <= 100 && repo !== '.' && repo !== '..' && /^[A-Za-z0-9._-]+$/.test(repo);
	return ok ? null : `invalid GitHub repository name "${repo}": use 1-100 letters, digits, '-', '_' or '.'`;
}

/** `%XX` escapes decoded; invalid escapes stay as they are (like the CLI). */
function decodeSegment(segment: string): string {
	const bytes: number[] = [];
	const encoder = new TextEncoder();
	for (let i = 0; i < segment.length; ) {
		const hex = segment.slice(i + 1, i + 3);
		if (segment[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
			bytes.push(parseInt(hex, 16));
			i += 3;
		} else {
			const cp = segment.codePointAt(i)!;
			const ch = String.fromCodePoint(cp);
			bytes.push(...encoder.encode(ch));
			i += ch.length;
		}
	}
	return new TextDecoder().decode(new Uint8Array(bytes));
}
