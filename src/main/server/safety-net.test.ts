import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A real child process: what escapes (a throw in a timer, a rejected promise nobody awaits) would
// end it without the net; with it, both are logged and the process carries on.
const netModule = path.join(path.dirname(fileURLToPath(import.meta.url)), 'safety-net.ts');

function runChild(body: string, logFile: string): { status: number | null; stdout: string; stderr: string } {
  const script = `const { installSafetyNet } = await import(${JSON.stringify(netModule)});\n${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LOG_FILE: logFile },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the serve-mode safety net', () => {
  it('logs an uncaught exception and an unhandled rejection to stderr and the log, and the process goes on', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-net-'));
    const logFile = path.join(dir, 'logs', 'serve-errors.log');
    const r = runChild(
      `
      installSafetyNet({ logFile: process.env.LOG_FILE });
      setTimeout(() => { throw new URIError('URI malformed (from a timer)'); }, 10);
      Promise.reject(new Error('nobody awaited this'));
      setTimeout(() => { process.stdout.write('still serving\\n'); }, 300);
    `,
      logFile,
    );
    expect(r.stdout).toBe('still serving\n');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/uncaught exception \(kept serving\): URIError: URI malformed \(from a timer\)/);
    expect(r.stderr).toMatch(/unhandled rejection \(kept serving\): Error: nobody awaited this/);
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toContain('URI malformed (from a timer)');
    expect(log).toContain('nobody awaited this');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('logs at most maxPerMinute reports, so a flood of failures cannot fill the disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-net-'));
    const logFile = path.join(dir, 'serve-errors.log');
    const r = runChild(
      `
      installSafetyNet({ logFile: process.env.LOG_FILE, maxPerMinute: 3 });
      for (let i = 0; i < 50; i++) setTimeout(() => { throw new Error('failure ' + i); }, 1);
      setTimeout(() => { process.stdout.write('done\\n'); }, 300);
    `,
      logFile,
    );
    expect(r.stdout).toBe('done\n');
    expect(fs.readFileSync(logFile, 'utf8').match(/uncaught exception/g)).toHaveLength(3);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
