#!/usr/bin/env node
// The `mlbl` command. Runs the TypeScript sources through tsx, so a clone works without a build step.
import { register } from 'tsx/esm/api';

// better-sqlite3 13's Node-API build needs Node 22; on an older Node it crashes instead of failing.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`mlbl: MLBL Workbench needs Node 22.12 or newer; this is Node ${process.versions.node} (${process.execPath}).\n`);
  process.exit(1);
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
