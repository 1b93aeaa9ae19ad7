/**
 * Every input schema is strict: an unknown key is an error that names it, and nothing is created
 * with the defaults in its place (it used to start a 15-epoch, 60,000-image run). Real host, real
 * SQLite file; concurrency 0 so no engine starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../shared/api';
import { createHost, type Host } from './host';

let dir = '';
let host: Host;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-strict-'));
  host = createHost({ dataDir: dir, transport: 'websocket', concurrency: 0 });
});
afterEach(async () => {
  await new Promise((r) => setImmediate(r));
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('accepted');
    },
    (e: Error & { code?: string }) => ({ code: e.code, message: e.message }),
  );

describe('unknown keys are refused by name', () => {
  it('runs.create with a parameter beside params instead of inside it', async () => {
    const r = await refusal(host.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', epochs: 'many' } }));
    expect(r).toEqual({ code: 'bad_request', message: 'runs.create: input.spec.epochs: unknown key' });
    expect(host.store.listRuns({ limit: 10 })).toEqual([]);
  });

  it('a misspelt parameter of each kind of preset, a layer field and an API field', async () => {
    const cases: [string, unknown, string][] = [
      ['runs.create', { spec: { preset: 'lenet5-mnist', params: { epochs: 1, learningrate: 0.1 } } }, 'input.spec.params.learningrate: unknown key'],
      [
        'runs.create',
        {
          spec: {
            preset: 'convnet',
            params: {
              stack: [
                { type: 'flatten', units: 3 },
                { type: 'dense', units: 10, activation: 'softmax' },
              ],
            },
          },
        },
        'input.spec.params.stack.0.units: unknown key',
      ],
      ['runs.create', { spec: { preset: 'mlbl-b', params: { captions: 'c.csv', features: 'f.bin', dropOut: 0.2 } } }, 'input.spec.params.dropOut: unknown key'],
      ['runs.list', { limit: 5, stauts: 'running' }, 'input.stauts: unknown key'],
      ['runs.export', { what: 'metrics', id: 'abc', format: 'csv', split: 'test' }, 'input.split: unknown key'],
      ['datasets.preview', { path: '/tmp/x.csv', colums: {} }, 'input.colums: unknown key'],
    ];
    for (const [method, input, message] of cases) {
      const r = await refusal(host.dispatch(method, input));
      expect(r.code, method).toBe('bad_request');
      expect(r.message, method).toContain(message);
    }
    expect(host.store.listRuns({ limit: 10 })).toEqual([]);
  });

  it('every method of the contract refuses an unknown top-level key', async () => {
    for (const m of METHOD_NAMES) {
      // runs.export is a union on `what`: without it zod cannot tell which object to check.
      const r = await refusal(host.dispatch(m, m === 'runs.export' ? { what: 'metrics', surelyNotAKey: 1 } : { surelyNotAKey: 1 }));
      expect(r.code, m).toBe('bad_request');
      expect(r.message, m).toMatch(/surelyNotAKey: unknown key/);
    }
  });
});
