/**
 * Helpers for the run tests (resume, divergence, concurrency, crash and disk tests): hosts on
 * temporary data directories with real engine processes, polling, and the metric checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunSpec, type RunSpecInput } from '../../shared/run-spec';
import { createHost, type Host, type HostOptions } from '../host';
import type { Store } from '../store/store';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MINI_CAPTIONS = path.resolve(ROOT, '../shared/datasets/flickr8k-mini/captions.csv');

/** Hosts and folders made by a test file; `cleanup` in afterEach/afterAll. */
export class TestHosts {
  readonly hosts: Host[] = [];
  readonly dirs: string[] = [];

  dir(prefix = 'mlbl-runs-'): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  host(o: Partial<HostOptions> & { dataDir?: string } = {}): Host {
    const h = createHost({ transport: 'websocket', ...o, dataDir: o.dataDir ?? this.dir() });
    this.hosts.push(h);
    return h;
  }

  async close(h: Host): Promise<void> {
    const i = this.hosts.indexOf(h);
    if (i >= 0) this.hosts.splice(i, 1);
    await h.close();
  }

  async cleanup(): Promise<void> {
    for (const h of this.hosts.splice(0)) await h.close();
    for (const d of this.dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Polls until `get` returns something truthy; fails naming `what` after `ms`. */
export async function until<T>(get: () => T | undefined | null | false, what: string, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A small LeNet-5 run on MNIST: 256 training images in batches of 32 (8 steps per epoch), the
 * preset's augmentation and cosine schedule (so their random streams and state must survive a
 * resume), 100 validation and 100 test images.
 */
export function lenetSpec(over: Record<string, unknown> = {}): RunSpec {
  return RunSpec.parse({
    preset: 'lenet5-mnist',
    params: { epochs: 3, trainLimit: 256, batchSize: 32, validationLimit: 100, testLimit: 100, ...over },
  } satisfies RunSpecInput);
}

/** A small LBL run on the Flickr8k-mini captions (text only). */
export function lblSpec(over: Record<string, unknown> = {}): RunSpec {
  return RunSpec.parse({
    preset: 'lbl',
    params: { captions: MINI_CAPTIONS, trainLimit: 60, K: 16, epochs: 2, evalEvery: 0, sampleEvery: 40, testAtEnd: false, patience: 0, ...over },
  } satisfies RunSpecInput);
}

/** The steps stored for a metric key, in order. */
export function steps(store: Store, runId: string, key: string): number[] {
  return store.metricPoints(runId, key).map((p) => p.step);
}

export function values(store: Store, runId: string, key: string): number[] {
  return store.metricPoints(runId, key).map((p) => p.value);
}

/** Steps per key counted straight from SQLite (duplicates would show as counts above 1). */
export function stepCounts(store: Store, runId: string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const rows = store.db.prepare('SELECT key, step, COUNT(*) AS n FROM metrics WHERE run_id = ? GROUP BY key, step').all(runId) as {
    key: string;
    step: number;
    n: number;
  }[];
  for (const r of rows) {
    let m = out.get(r.key);
    if (!m) out.set(r.key, (m = new Map()));
    m.set(r.step, r.n);
  }
  return out;
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
