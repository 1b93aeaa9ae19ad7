/** Runs the PyTorch peer benchmarks (../shared/bench/peers/*.py) when python3 + torch are present. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export type PeerResult = { ok: true; result: Record<string, unknown> } | { ok: false; reason: string };

const INSTALL_HINT = 'apt-get install -y python3-torch libopenblas0-pthread';

/** The first python that can import torch (Debian's torch lives in /usr/bin/python3, not a pyenv one). */
export function findTorchPython(): { python: string } | { reason: string } {
  const candidates = [process.env.PEER_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const tried: string[] = [];
  for (const py of [...new Set(candidates)]) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python: py };
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`}`);
  }
  return { reason: `no python3 with torch (${tried.join('; ')}); install with: ${INSTALL_HINT}` };
}

export function defaultPeersDir(projectRoot: string): string {
  return process.env.MLBL_PEERS_DIR ?? path.resolve(projectRoot, '..', 'shared', 'bench', 'peers');
}

export function runPeer(peersDir: string, script: string, args: string[] = [], timeoutMs = 15 * 60_000): PeerResult {
  const file = path.join(peersDir, script);
  if (!existsSync(file)) return { ok: false, reason: `peer script not found: ${file}` };
  const py = findTorchPython();
  if ('reason' in py) return { ok: false, reason: py.reason };
  const r = spawnSync(py.python, [file, ...args], { encoding: 'utf8', timeout: timeoutMs, cwd: peersDir });
  if (r.error) return { ok: false, reason: `${script}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `${script} exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  const line = (r.stdout || '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  if (!line) return { ok: false, reason: `${script} printed no JSON line` };
  try {
    return { ok: true, result: JSON.parse(line) as Record<string, unknown> };
  } catch (e) {
    return { ok: false, reason: `${script} printed bad JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}
