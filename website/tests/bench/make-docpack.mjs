// A synthetic docpack of a chosen size, shaped like a real repository: modules
// (directories) nested under a few top-level directories, each with files of
// symbols; calls mostly inside a module, often down to "lower" modules, and
// rarely up (cycles inside a top-level directory); imports between files;
// contains edges; clusters; facts summaries; optionally embeddings. Written
// as DOCPACK_SPEC.md says (canonical JSON element by element, ustar, one
// gzip member, checksums, the docpack id) without ever holding one part as a
// single string, so 500,000 symbols fit in Node. Format 1.4: each module doc
// lists its symbols (as the pipeline's do) and carries the module level the
// Rust writer computes (`code`, `dependencies`: `moduleLevel` below, by the
// rule of DOCPACK_SPEC.md §4.6).
//
//   node tests/bench/make-docpack.mjs --symbols 50000 [--dims 0] [--seed 1] -o /tmp/s50k.docpack
//
// `--dims 384` adds embeddings.bin (384-d float32 per chunk: 768 MB at
// 500,000 symbols, over the browser reader's limit; real large docpacks are
// built with `--embeddings off`).

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { tarHeader } from '../fixtures/docpack-node.mjs';

/** The format written (DOCPACK_SPEC.md). */
export const SCHEMA_VERSION = 'docpack/1.4';

const WORDS =
	'parse load store index query cache write read merge split graph node edge token stream buffer queue batch worker client server route handle render layout scan build pack verify encode decode hash sort filter map reduce emit watch fetch retry schedule config session auth user order price report event metric trace log'.split(
		' '
	);
const TOPS = ['cmd', 'app', 'api', 'service', 'core', 'domain', 'storage', 'net', 'platform', 'lib', 'util', 'base'];
const LANGS = [
	['rust', 'rs'],
	['python', 'py'],
	['typescript', 'ts'],
	['go', 'go']
];
const KINDS = ['function', 'function', 'function', 'method', 'method', 'method', 'struct', 'class', 'constant', 'interface', 'enum', 'field'];

/** Deterministic PRNG (mulberry32). */
function prng(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const hex16 = (text) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Rounds like canonical JSON (6 places). */
const round6 = (x) => Math.round(x * 1e6) / 1e6;

/** Lists the writer writes even when empty (the others it leaves out). */
const KEEP_EMPTY = new Set(['dependencies']);

/** A value with object keys sorted at every depth (canonical order); absent, null and empty lists dropped. */
function sorted(value) {
	if (Array.isArray(value)) return value.map(sorted);
	if (!value || typeof value !== 'object') return value;
	const out = {};
	for (const k of Object.keys(value).sort()) {
		const v = value[k];
		if (v === undefined || v === null || (Array.isArray(v) && v.length === 0 && !KEEP_EMPTY.has(k))) continue;
		out[k] = sorted(v);
	}
	return out;
}

/** Collects one JSON part as Buffers: `{"key": [elements…], …}` with canonical indentation. */
class Part {
	constructor(name) {
		this.name = name;
		this.chunks = [];
		this.pending = [];
		this.pendingLength = 0;
		this.size = 0;
		this.hash = createHash('sha256');
	}
	write(text) {
		this.pending.push(text);
		this.pendingLength += text.length;
		if (this.pendingLength > 1 << 20) this.flush();
	}
	flush() {
		if (!this.pending.length) return;
		const buf = Buffer.from(this.pending.join(''), 'utf8');
		this.pending = [];
		this.pendingLength = 0;
		this.chunks.push(buf);
		this.size += buf.length;
		this.hash.update(buf);
	}
	finish() {
		this.flush();
		this.sha256 = this.hash.digest('hex');
		return this;
	}
}

/** Writes `{ "<key>": [ …elements ] , …rest }` where elements come from `each(emit)`. */
function arrayPart(name, key, each, rest = {}) {
	const part = new Part(name);
	const keys = [key, ...Object.keys(rest)].sort();
	part.write('{\n');
	keys.forEach((k, ki) => {
		const comma = ki < keys.length - 1 ? ',' : '';
		if (k !== key) {
			part.write(`  ${JSON.stringify(k)}: ${indent(JSON.stringify(sorted({ v: rest[k] }).v, null, 2), '  ')}${comma}\n`);
			return;
		}
		part.write(`  ${JSON.stringify(key)}: [`);
		let first = true;
		each((element) => {
			part.write(`${first ? '\n' : ',\n'}    ${indent(JSON.stringify(sorted(element), null, 2), '    ')}`);
			first = false;
		});
		part.write(first ? `]${comma}\n` : `\n  ]${comma}\n`);
	});
	part.write('}\n');
	return part.finish();
}

function indent(text, pad) {
	return text.replace(/\n/g, `\n${pad}`);
}

function jsonPart(name, value) {
	const part = new Part(name);
	part.write(JSON.stringify(sorted(value), null, 2) + '\n');
	return part.finish();
}

/** The repository's shape: modules, files, symbols and calls. */
export function shape(n, seed = 1) {
	const random = prng(seed);
	const pick = (list) => list[Math.floor(random() * list.length)];
	const moduleCount = Math.max(4, Math.round(n / 250));
	const fileCount = Math.max(moduleCount, Math.round(n / 25));
	const tops = TOPS.slice(0, Math.min(TOPS.length, Math.max(3, Math.round(Math.sqrt(moduleCount) / 2))));

	// Modules: a rank in [0, 1) (0 = the top, like cmd/; 1 = foundations, like util/),
	// under the top-level directory of their rank band, 1–3 levels deep.
	const modules = [];
	const paths = new Set();
	for (let i = 0; modules.length < moduleCount; i++) {
		const rank = modules.length < tops.length ? modules.length / tops.length : random();
		const top = tops[Math.min(tops.length - 1, Math.floor(rank * tops.length))];
		const depth = modules.length < tops.length ? 0 : 1 + Math.floor(random() * 3);
		const parts = [top];
		for (let d = 0; d < depth; d++) parts.push(`${pick(WORDS)}${d === depth - 1 && random() < 0.5 ? `_${Math.floor(random() * 100)}` : ''}`);
		const path = parts.join('/');
		if (paths.has(path)) continue;
		paths.add(path);
		modules.push({ path, rank, top, files: [], symbols: [] });
	}
	modules.sort((a, b) => (a.path < b.path ? -1 : 1));
	const byRank = [...modules.keys()].sort((a, b) => modules[a].rank - modules[b].rank);
	const rankAt = new Map(byRank.map((m, at) => [modules[m], at]));
	const byTop = new Map();
	for (const m of modules) (byTop.get(m.top) ?? byTop.set(m.top, []).get(m.top)).push(m);
	const files = [];
	for (let f = 0; f < fileCount; f++) {
		const m = f < moduleCount ? f : Math.floor(random() * moduleCount);
		const [language, ext] = LANGS[(m + (random() < 0.1 ? 1 : 0)) % LANGS.length];
		// About 6 % test files (Python, TypeScript, Go), named as the pipeline's role rules know them.
		const stem = `${pick(WORDS)}_${f}`;
		const role = ext !== 'rs' && random() < 0.08 ? 'test' : 'source';
		const name = role === 'source' ? `${stem}.${ext}` : ext === 'py' ? `test_${stem}.py` : ext === 'ts' ? `${stem}.test.ts` : `${stem}_test.go`;
		const file = { path: `${modules[m].path}/${name}`, language, module: m, lines: 0, symbols: [], role };
		modules[m].files.push(files.length);
		files.push(file);
	}
	files.sort((a, b) => (a.path < b.path ? -1 : 1));
	modules.forEach((m) => (m.files = []));
	files.forEach((f, i) => modules[f.module].files.push(i));

	const symbols = [];
	for (let i = 0; i < n; i++) {
		const fi = i < files.length ? i : Math.floor(random() * files.length);
		const file = files[fi];
		const name = `${pick(WORDS)}_${pick(WORDS)}_${i}`;
		const kind = pick(KINDS);
		const lines = 3 + Math.floor(random() * 40);
		const parentCandidate = file.symbols.length ? symbols[file.symbols[file.symbols.length - 1]] : null;
		const parent = (kind === 'method' || kind === 'field') && parentCandidate && ['struct', 'class', 'interface'].includes(parentCandidate.kind) ? parentCandidate.index : -1;
		const s = { index: i, name, kind, file: fi, module: file.module, line: file.lines + 1, lines, parent, calls: [], role: file.role };
		file.lines += lines + 1;
		file.symbols.push(i);
		modules[file.module].symbols.push(i);
		symbols.push(s);
	}
	// Calls: 70 % inside the module, 27 % down to a module of higher rank, 3 % to
	// any module of the same top-level directory (the cycles of real code).
	for (const s of symbols) {
		if (s.kind !== 'function' && s.kind !== 'method') continue;
		const count = 1 + Math.floor(random() * 4);
		const mod = modules[s.module];
		for (let c = 0; c < count; c++) {
			const r = random();
			let target;
			if (r < 0.7) target = mod;
			else if (r < 0.97) {
				const at = rankAt.get(mod);
				const below = byRank.length - at - 1;
				target = below > 0 ? modules[byRank[at + 1 + Math.floor(Math.pow(random(), 2) * Math.min(below, 40))]] : mod;
			} else {
				target = pick(byTop.get(mod.top));
			}
			if (!target.symbols.length) continue;
			const callee = target.symbols[Math.floor(Math.pow(random(), 2.2) * target.symbols.length)];
			if (callee !== s.index) s.calls.push([callee, random() < 0.9 ? 0.95 : 0.6]);
		}
	}
	return { modules, files, symbols, random };
}

/** Builds the docpack's entries (as Buffer parts) for `n` symbols. */
export function buildEntries(n, { seed = 1, dims = 0 } = {}) {
	const { modules, files, symbols, random } = shape(n, seed);
	const ids = symbols.map((s) => `sym_${hex16(`sym:${s.index}:${s.name}`)}`);
	const chunkIds = symbols.map((s) => `chk_${hex16(`chk:${s.index}:${s.name}`)}`);
	const fileChunk = files.map((f) => `chk_${hex16(`file:${f.path}`)}`);
	const inDegree = new Int32Array(n);
	const outDegree = new Int32Array(n);
	for (const s of symbols) {
		for (const [c, conf] of s.calls) {
			if (conf < 0.8) continue;
			inDegree[c]++;
			outDegree[s.index]++;
		}
	}
	let maxIn = 1;
	for (let i = 0; i < n; i++) maxIn = Math.max(maxIn, inDegree[i]);
	const clusterCount = Math.max(1, Math.round(n / 125));
	const clusterOf = (s) => `c${String((s.module * 7 + (s.file % 5)) % clusterCount).padStart(5, '0')}`;
	const qualified = (s) => `${files[s.file].path.replace(/\.\w+$/, '').replace(/\//g, '::')}::${s.name}`;
	const order = [...symbols.keys()].sort((a, b) => (ids[a] < ids[b] ? -1 : 1));
	const range = (s) => ({ start_byte: s.line * 40, end_byte: (s.line + s.lines) * 40, start_line: s.line, start_column: 0, end_line: s.line + s.lines - 1, end_column: 1 });

	const nodes = arrayPart('nodes.json', 'symbols', (emit) => {
		for (const i of order) {
			const s = symbols[i];
			const file = files[s.file];
			const words = [];
			for (let w = 0; w < 18; w++) words.push(WORDS[(i * 7 + w * 13) % WORDS.length]);
			emit({
				id: ids[i],
				name: s.name,
				kind: s.kind,
				qualified_name: qualified(s),
				language: file.language,
				path: file.path,
				range: range(s),
				signature: s.kind === 'function' || s.kind === 'method' ? `fn ${s.name}(input: &Input, options: Options) -> Result<Output>` : `pub ${s.kind} ${s.name}`,
				visibility: i % 3 === 0 ? 'private' : 'public',
				doc_comment: i % 3 === 1 ? `/// ${s.name.replace(/_/g, ' ')}: does what its name says, carefully.` : undefined,
				parent: s.parent >= 0 ? ids[s.parent] : undefined,
				documentation: {
					source: 'facts',
					summary: `\`${s.name}\` is a ${s.kind} in \`${file.path}\`; it calls ${s.calls.length} symbols and is called by ${inDegree[i]}.`
				},
				cluster: clusterOf(s),
				centrality: round6((inDegree[i] + 1) / (maxIn + 1)),
				metrics: { loc: s.lines, in_degree: inDegree[i], out_degree: outDegree[i], complexity: 1 + (i % 9) },
				role: s.role === 'source' ? undefined : s.role,
				words: words.join(' ')
			});
		}
	});

	const edges = [];
	const moduleIds = modules.map((m) => `module:${m.path}`);
	const fileIds = files.map((f) => `file:${f.path}`);
	for (const [fi, f] of files.entries()) {
		edges.push([moduleIds[f.module], fileIds[fi], 'contains']);
		for (const si of f.symbols) edges.push([fileIds[fi], ids[si], 'contains']);
	}
	const fileImports = new Map();
	for (const s of symbols) {
		if (s.parent >= 0) edges.push([ids[s.parent], ids[s.index], 'contains']);
		const seen = new Set();
		for (const [c, conf] of s.calls) {
			if (seen.has(c)) continue;
			seen.add(c);
			edges.push([ids[s.index], ids[c], 'calls', conf]);
			if (symbols[c].file !== s.file && conf >= 0.8) {
				const key = `${s.file}>${symbols[c].file}`;
				if (!fileImports.has(key)) fileImports.set(key, [fileIds[s.file], fileIds[symbols[c].file], 'imports']);
			}
		}
		if (random() < 0.3) {
			const m = modules[s.module].symbols;
			const other = m[Math.floor(random() * m.length)];
			if (other !== s.index) edges.push([ids[s.index], ids[other], 'related', 0.8]);
		}
	}
	for (const e of fileImports.values()) edges.push(e);
	edges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
	const unique = [];
	for (const e of edges) {
		const last = unique[unique.length - 1];
		if (last && last[0] === e[0] && last[1] === e[1] && last[2] === e[2]) continue;
		unique.push(e);
	}
	const edgesByKind = {};
	for (const e of unique) edgesByKind[e[2]] = (edgesByKind[e[2]] ?? 0) + 1;
	const graphNodes = [
		...symbols.map((s, i) => [ids[i], { id: ids[i], kind: 'symbol', name: qualified(s), path: files[s.file].path, symbol_kind: s.kind }]),
		...files.map((f, i) => [fileIds[i], { id: fileIds[i], kind: 'file', name: f.path, path: f.path, centrality: 0.1 }]),
		...modules.map((m, i) => [moduleIds[i], { id: moduleIds[i], kind: 'module', name: m.path, path: m.path, centrality: round6(0.05 + 0.5 * (1 - m.rank)) }])
	].sort((a, b) => (a[0] < b[0] ? -1 : 1));
	const graph = arrayPart(
		'graph.json',
		'edges',
		(emit) => {
			for (const [from, to, kind, weight] of unique) {
				if (kind === 'calls') emit({ from, to, kind, weight: 1, provenance: weight >= 0.8 ? 'import' : 'unique_name', confidence: weight });
				else emit({ from, to, kind, weight: kind === 'related' ? weight : 1 });
			}
		},
		{ nodes: graphNodes.map((x) => x[1]), metrics: { edges_by_kind: edgesByKind, density: round6(unique.length / (graphNodes.length * (graphNodes.length - 1))), centrality_method: 'in-degree' } }
	);

	const clusterMembers = new Map();
	for (const i of order) {
		const c = clusterOf(symbols[i]);
		(clusterMembers.get(c) ?? clusterMembers.set(c, []).get(c)).push(ids[i]);
	}
	const clusters = arrayPart('clusters.json', 'clusters', (emit) => {
		for (const c of [...clusterMembers.keys()].sort()) {
			const k = Number(c.slice(1));
			emit({ id: c, label: `${WORDS[k % WORDS.length]} ${WORDS[(k * 7 + 3) % WORDS.length]}`, method: 'kmeans', members: clusterMembers.get(c) });
		}
	});

	const sourceMap = arrayPart('source_map.json', 'files', (emit) => {
		for (const [fi, f] of files.entries()) {
			const chunks = [{ id: fileChunk[fi], kind: 'file', range: { start_byte: 0, end_byte: Math.max(1, f.lines) * 40, start_line: 1, start_column: 0, end_line: Math.max(1, f.lines), end_column: 0 } }];
			for (const si of f.symbols) chunks.push({ id: chunkIds[si], kind: 'symbol', range: range(symbols[si]), symbol_ids: [ids[si]] });
			chunks.sort((a, b) => a.range.start_byte - b.range.start_byte || a.range.end_byte - b.range.end_byte || (a.id < b.id ? -1 : 1));
			emit({ path: f.path, language: f.language, sha256: createHash('sha256').update(f.path).digest('hex'), size_bytes: Math.max(1, f.lines) * 40, lines: Math.max(1, f.lines), role: f.role, chunks });
		}
	});

	const level = moduleLevel({ modules, files, symbols, ids, fileIds, moduleIds, edges: unique });
	const docs = arrayPart(
		'docs.json',
		'modules',
		(emit) => {
			for (const [mi, m] of modules.entries()) {
				emit({
					id: moduleIds[mi],
					name: m.path,
					path: m.path,
					documentation: { source: 'facts', summary: `\`${m.path}\` holds ${m.files.length} files with ${m.symbols.length} symbols, mostly about “${WORDS[mi % WORDS.length]} ${WORDS[(mi * 3) % WORDS.length]}”.` },
					symbols: m.symbols.map((i) => ids[i]).sort(),
					code: level.code[mi],
					dependencies: level.dependencies[mi]
				});
			}
		},
		{ architecture: { documentation: { source: 'facts', summary: `A synthetic repository of ${n.toLocaleString('en-US')} symbols in ${modules.length} modules and ${files.length} files, generated for benchmarks.` } } }
	);

	const entries = [clusters, docs, graph, nodes, sourceMap];
	let embeddingCount = 0;
	if (dims > 0) {
		const rows = [...chunkIds, ...fileChunk].sort();
		embeddingCount = rows.length;
		const width = rows.reduce((w, r) => Math.max(w, r.length), 0);
		const vAt = Math.ceil((20 + rows.length * width) / 4) * 4;
		const header = Buffer.alloc(vAt);
		header.write('DPEV', 0, 'ascii');
		header.writeUInt32LE(1, 4);
		header.writeUInt32LE(rows.length, 8);
		header.writeUInt32LE(dims, 12);
		header.writeUInt32LE(width, 16);
		rows.forEach((r, i) => header.write(r, 20 + i * width, 'ascii'));
		const part = new Part('embeddings.bin');
		part.chunks.push(header);
		part.size += header.length;
		part.hash.update(header);
		const perChunk = 4096;
		for (let start = 0; start < rows.length; start += perChunk) {
			const count = Math.min(perChunk, rows.length - start);
			const block = new Float32Array(count * dims);
			for (let k = 0; k < block.length; k++) block[k] = random() * 2 - 1;
			for (let r = 0; r < count; r++) {
				let norm = 0;
				for (let d = 0; d < dims; d++) norm += block[r * dims + d] ** 2;
				norm = Math.sqrt(norm) || 1;
				for (let d = 0; d < dims; d++) block[r * dims + d] /= norm;
			}
			const buf = Buffer.from(block.buffer);
			part.chunks.push(buf);
			part.size += buf.length;
			part.hash.update(buf);
		}
		part.sha256 = part.hash.digest('hex');
		entries.splice(2, 0, part);
	}

	entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
	const listing = entries.map((e) => `${e.sha256}  ${e.name}\n`).join('');
	const docpackId = createHash('sha256').update(listing).digest('hex');
	const languages = {};
	for (const f of files) {
		languages[f.language] ??= { files: 0, symbols: 0 };
		languages[f.language].files++;
		languages[f.language].symbols += f.symbols.length;
	}
	const manifest = jsonPart('manifest.json', {
		schema_version: SCHEMA_VERSION,
		docpack_id: docpackId,
		source: { name: `synthetic-${n}`, repo_url: 'https://github.com/doctown/synthetic', ref: 'main', commit: '0123456789abcdef0123456789abcdef01234567' },
		generator: { name: 'doctown-synthetic', version: '0.1.0' },
		models: { summary: 'facts', embedding: dims > 0 ? 'synthetic' : undefined },
		statistics: {
			files: files.length,
			symbols: n,
			chunks: n + files.length,
			clusters: clusterMembers.size,
			graph_nodes: graphNodes.length,
			graph_edges: unique.length,
			modules: modules.length,
			embeddings: embeddingCount,
			embedding_dimensions: dims > 0 ? dims : undefined,
			languages
		},
		parts: { embeddings: dims > 0, symbol_contexts: false, history: false },
		checksum: { algorithm: 'sha256', value: docpackId, entries: entries.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256 })) }
	});
	return {
		entries: [manifest, ...entries],
		stats: { symbols: n, files: files.length, modules: modules.length, edges: unique.length, clusters: clusterMembers.size, docpackId }
	};
}

/**
 * The module level the docpack writer computes (`module_level.rs`,
 * DOCPACK_SPEC.md §4.6) for this shape, where every symbol's module is its
 * file's and every module doc lists its symbols: per module, its code
 * (`{symbols, files, lines, role}`) and its dependencies — confident
 * (≥ 0.8 or no confidence) `calls` and `imports` edges between source code
 * of two modules, by kind, sorted by module id.
 */
export function moduleLevel({ modules, files, symbols, ids, fileIds, moduleIds, edges }) {
	const place = new Map();
	symbols.forEach((s, i) => place.set(ids[i], { module: s.module, source: s.role === 'source' }));
	files.forEach((f, i) => place.set(fileIds[i], { module: f.module, source: f.role === 'source' }));
	const counts = modules.map(() => new Map());
	for (const [from, to, kind, confidence] of edges) {
		if (kind !== 'calls' && kind !== 'imports') continue;
		if (confidence !== undefined && confidence < 0.8) continue;
		const a = place.get(from);
		const b = place.get(to);
		if (!a || !b || !a.source || !b.source || a.module === b.module) continue;
		const c = counts[a.module].get(b.module) ?? { calls: 0, imports: 0 };
		c[kind]++;
		counts[a.module].set(b.module, c);
	}
	const dependencies = counts.map((byModule) =>
		[...byModule]
			.map(([m, c]) => ({ module: moduleIds[m], calls: c.calls, imports: c.imports }))
			.sort((x, y) => (x.module < y.module ? -1 : x.module > y.module ? 1 : 0))
	);
	const code = modules.map((m) => {
		const roles = new Map();
		for (const fi of m.files) roles.set(files[fi].role, (roles.get(files[fi].role) ?? 0) + 1);
		const role = roles.size === 0 || roles.has('source') ? 'source' : [...roles].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0][0];
		const lines = m.files.reduce((sum, fi) => sum + Math.max(1, files[fi].lines), 0);
		return { symbols: m.symbols.length, files: m.files.length, lines, role };
	});
	return { code, dependencies };
}

/** Writes the docpack to `out`; returns its statistics and sizes. */
export async function writeDocpack(n, out, options = {}) {
	const { entries, stats } = buildEntries(n, options);
	function* blocks() {
		for (const e of entries) {
			yield tarHeader(e.name, e.size);
			yield* e.chunks;
			const pad = (512 - (e.size % 512)) % 512;
			if (pad) yield Buffer.alloc(pad);
		}
		yield Buffer.alloc(1024);
	}
	const uncompressed = entries.reduce((s, e) => s + 512 + Math.ceil(e.size / 512) * 512, 1024);
	const gzip = createGzip({ level: 6, chunkSize: 1 << 20 });
	await pipeline(Readable.from(blocks()), gzip, createWriteStream(out));
	return { ...stats, uncompressed, parts: Object.fromEntries(entries.map((e) => [e.name, e.size])) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const args = process.argv.slice(2);
	const arg = (name, fallback) => {
		const i = args.indexOf(name);
		return i >= 0 ? args[i + 1] : fallback;
	};
	const n = Number(arg('--symbols', '5000'));
	const out = arg('-o', `synthetic-${n}.docpack`);
	const started = Date.now();
	const info = await writeDocpack(n, out, { seed: Number(arg('--seed', '1')), dims: Number(arg('--dims', '0')) });
	const { statSync } = await import('node:fs');
	console.log(
		`${out}: ${info.symbols} symbols, ${info.modules} modules, ${info.files} files, ${info.edges} edges; ` +
			`${(info.uncompressed / 1e6).toFixed(1)} MB uncompressed, ${(statSync(out).size / 1e6).toFixed(1)} MB (${((Date.now() - started) / 1000).toFixed(1)} s)`
	);
}
