import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, selectBackendWith, wasmInfo } from './index';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'wasm-check.ts');

/** Runs the fixture in a fresh process (wasm initialises once per process); must exit by itself. */
function runFixture(threads: string): { backend: string; threads: number; note?: string; mm: number[]; gradSum: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, MLBL_WASM_THREADS: threads },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.error, String(r.error)).toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as { backend: string; threads: number; note?: string; mm: number[]; gradSum: number };
}

const absent = (): Promise<unknown> => Promise.reject(Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node'"), { code: 'ERR_MODULE_NOT_FOUND' }));

describe('selectBackend', () => {
  it('falls back from tensorflow to wasm with a logged reason when tfjs-node is absent', async () => {
    const logs: string[] = [];
    const choice = await selectBackendWith('auto', (m) => logs.push(m), { loadTfjsNode: absent, env: {} });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.skipped).toHaveLength(1);
    expect(choice.skipped[0]?.backend).toBe('tensorflow');
    expect(choice.skipped[0]?.reason).toMatch(/tfjs-node is not installed/);
    expect(logs.some((l) => l.includes('skipped tensorflow') && l.includes('tfjs-node is not installed'))).toBe(true);
    // The registered training kernels are in place once wasm is selected.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
  });

  it('reports a tfjs-node that is present but broken, and still falls back', async () => {
    const logs: string[] = [];
    const broken = (): Promise<unknown> => Promise.reject(new Error('libtensorflow.so: cannot open shared object file'));
    const choice = await selectBackendWith('tensorflow', (m) => logs.push(m), { loadTfjsNode: broken, env: {} });
    expect(choice.backend).toBe('wasm');
    expect(choice.skipped[0]?.reason).toMatch(/failed to load: libtensorflow\.so/);
    expect(logs).toHaveLength(1);
  });

  it('honours MLBL_BACKEND for auto, and an explicit request over the env', async () => {
    const logs: string[] = [];
    const viaEnv = await selectBackendWith('auto', (m) => logs.push(m), { loadTfjsNode: absent, env: { MLBL_BACKEND: 'cpu' } });
    expect(viaEnv).toEqual({ backend: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect(logs.some((l) => l.includes('MLBL_BACKEND=cpu'))).toBe(true);

    const explicit = await selectBackendWith('wasm', () => {}, { loadTfjsNode: absent, env: { MLBL_BACKEND: 'cpu' } });
    expect(explicit).toEqual({ backend: 'wasm', skipped: [] });

    const bad: string[] = [];
    const ignored = await selectBackendWith('auto', (m) => bad.push(m), { loadTfjsNode: absent, env: { MLBL_BACKEND: 'gpu' } });
    expect(ignored.backend).toBe('wasm');
    expect(bad.some((l) => l.includes('ignoring MLBL_BACKEND=gpu'))).toBe(true);
  });

  it('the real loader on this machine: tensorflow is used if tfjs-node loads, else skipped with a reason', async () => {
    const logs: string[] = [];
    const prev = process.env.MLBL_BACKEND;
    delete process.env.MLBL_BACKEND;
    try {
      const choice = await selectBackend('auto', (m) => logs.push(m));
      if (choice.backend === 'tensorflow') {
        expect(choice.skipped).toEqual([]);
      } else {
        expect(choice.backend).toBe('wasm');
        expect(choice.skipped[0]?.backend).toBe('tensorflow');
        expect(choice.skipped[0]?.reason.length).toBeGreaterThan(10);
        expect(logs).toHaveLength(1);
      }
      expect(tf.getBackend()).toBe(choice.backend);
    } finally {
      if (prev !== undefined) process.env.MLBL_BACKEND = prev;
    }
  });

  it('uses one XNNPACK thread by default', async () => {
    await selectBackendWith('wasm', () => {}, { loadTfjsNode: absent, env: {} });
    if (process.env.MLBL_WASM_THREADS === undefined) expect(wasmInfo().threads).toBe(1);
    expect(wasmInfo().threads).toBeGreaterThanOrEqual(1);
  });

  it('starts the threaded wasm build in Node on request (MLBL_WASM_THREADS=2), computes right, and exits', () => {
    // (The single-thread build is what every other test here runs in-process.)
    const two = runFixture('2');
    expect(two.backend).toBe('wasm');
    expect(two.mm).toEqual([4, 5, 10, 11]);
    // d/dw sum(conv(ones, w, same)): each tap counts its unpadded positions; 2 images, 3 in, 4 out.
    expect(two.gradSum).toBe(2 * 3 * 4 * (6 * 6 * 9 - 4 * 6 * 3 + 4));
    expect(two.threads, two.note).toBe(2);
  });
});
