#!/usr/bin/env node
// Runs the doctown binary of this platform's package (@doctown/<os>-<cpu>),
// which npm installed as an optional dependency, with this process's
// arguments, standard streams and exit status.
"use strict";
const { spawnSync } = require("node:child_process");

const PLATFORMS = {
  "linux x64": "@doctown/linux-x64",
  "linux arm64": "@doctown/linux-arm64",
};

function fail(message) {
  process.stderr.write(`doctown: ${message}\n`);
  process.exit(1);
}

const key = `${process.platform} ${process.arch}`;
const pkg = PLATFORMS[key];
if (!pkg) {
  fail(`no prebuilt binary for ${process.platform} on ${process.arch}; build it from source (README: "Two commands")`);
}
let binary;
try {
  binary = require.resolve(`${pkg}/bin/doctown`);
} catch {
  fail(`${pkg} is not installed: npm leaves optional dependencies out with --omit=optional or --no-optional; reinstall doctown without it`);
}
const run = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (run.error) {
  fail(`cannot run ${binary}: ${run.error.message}`);
}
if (run.signal) {
  process.kill(process.pid, run.signal);
}
process.exit(run.status ?? 1);
