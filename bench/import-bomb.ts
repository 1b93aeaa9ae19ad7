/**
 * Import memory with decompression bombs (issue 14, item 3; `--only import-bomb`): a class-folder
 * dataset of ordinary small PNGs with four 16000 x 16000 1-bit PNGs (about 31 KB each, 256 M
 * pixels decoded) among them, imported (verify: decode) twice, each in a fresh child process:
 *   - the real CLI, `node bin/mlbl.js import ROOT --json`, peak RSS from /usr/bin/time -v;
 *   - a host's worker-thread import (./import-bomb-host.ts), peak RSS from resourceUsage().maxRSS.
 * Goal: under 500 MB each. MLBL_BENCH_PROJECT=DIR runs another checkout (bin/ and src/ of an
 * older commit, for the "before" figure) with this one's benchmark.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { writeBombPng } from '../src/main/datasets/testing';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const BOMBS = 4;
const ORDINARY = 400;
const GOAL_MB = 500;

async function makeDataset(root: string): Promise<void> {
  for (let c = 0; c < 4; c++) fs.mkdirSync(path.join(root, `class_${c}`), { recursive: true });
  for (let i = 0; i < ORDINARY; i++) {
    const raw = Buffer.alloc(64 * 64 * 3, i & 255);
    for (let j = 0; j < raw.length; j += 7) raw[j] = (i * 31 + j) & 255;
    await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toFile(path.join(root, `class_${i % 4}`, `img_${String(i).padStart(4, '0')}.png`));
  }
  // Spread among the others, so they are checked concurrently with ordinary images.
  for (let b = 0; b < BOMBS; b++) writeBombPng(path.join(root, `class_${b % 4}`, `img_${String(b * 97).padStart(4, '0')}_bomb.png`));
}

const mb = (kb: number): number => Math.round(kb / 102.4) / 10;

export async function benchImportBomb(say: (m: string) => void): Promise<Record<string, unknown>> {
  const project = path.resolve(process.env.MLBL_BENCH_PROJECT ?? path.join(here, '..'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-bomb-'));
  try {
    const root = path.join(tmp, 'images');
    say(`import-bomb: ${ORDINARY} ordinary 64x64 PNGs and ${BOMBS} bombs under ${root}; code from ${project}`);
    await makeDataset(root);
    const bombBytes = fs.statSync(path.join(root, 'class_0', 'img_0000_bomb.png')).size;

    say('import-bomb: CLI import (child process, /usr/bin/time -v) ...');
    const cli = await run(
      '/usr/bin/time',
      ['-v', process.execPath, path.join(project, 'bin', 'mlbl.js'), 'import', root, '--json', '--data-dir', path.join(tmp, 'data-cli')],
      { cwd: project, maxBuffer: 64 << 20 },
    ).catch((e: { stdout?: string; stderr?: string; message: string }) => ({ stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}\n${e.message}` }));
    const cliRssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(cli.stderr)?.[1] ?? NaN);
    const cliDone =
      cli.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return null;
          }
        })
        .find((o) => o?.event === 'dataset.imported') ?? null;
    say(`import-bomb: CLI peak RSS ${mb(cliRssKb)} MB`);

    say('import-bomb: host worker import (child process) ...');
    const hostRun = await run(process.execPath, ['--import', 'tsx', path.join(here, 'import-bomb-host.ts'), root, path.join(tmp, 'data-host'), project], {
      cwd: project,
      env: { ...process.env, NODE_PATH: path.join(project, 'node_modules') },
      maxBuffer: 64 << 20,
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => ({ stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}\n${e.message}` }));
    const hostOut = (() => {
      try {
        return JSON.parse(hostRun.stdout.trim().split('\n').at(-1) ?? '') as { items: number; skippedByReason: unknown; ms: number; maxRssKb: number };
      } catch {
        return null;
      }
    })();
    say(`import-bomb: host peak RSS ${hostOut ? mb(hostOut.maxRssKb) : '?'} MB`);

    return {
      import_bomb_images: ORDINARY + BOMBS,
      import_bomb_bombs: BOMBS,
      import_bomb_bomb_file_bytes: bombBytes,
      import_bomb_cli_peak_rss_mb: mb(cliRssKb),
      import_bomb_cli_items: (cliDone?.counts as { items?: number } | undefined)?.items ?? null,
      import_bomb_cli_skipped: cliDone?.skippedByReason ?? null,
      import_bomb_cli_error: cliDone
        ? null
        : cli.stderr
            .split('\n')
            .filter((l) => !/^\s/.test(l) && l.trim())
            .slice(-3)
            .join(' | ')
            .slice(0, 500),
      import_bomb_host_peak_rss_mb: hostOut ? mb(hostOut.maxRssKb) : null,
      import_bomb_host_items: hostOut?.items ?? null,
      import_bomb_host_skipped: hostOut?.skippedByReason ?? null,
      import_bomb_host_error: hostOut ? null : hostRun.stderr.slice(-500),
      goal_import_bomb_peak_rss_mb: GOAL_MB,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
