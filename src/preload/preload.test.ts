/**
 * The BUILT preload (out/preload/index.cjs), loaded the way a sandboxed renderer loads it: a fresh
 * `vm` context whose `require` serves only what Electron's sandbox allows (electron, events,
 * timers, url). `electron` is a stand-in contextBridge and ipcRenderer (the Electron binary cannot
 * run here); the bundle is the real one, so a stray require("zod") fails this test.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureElectronBuild, OUT } from '../main/electron/testing/build';

interface Exposed {
  call(method: string, input: unknown): Promise<unknown>;
  on(event: string, h: (p: unknown) => void): () => void;
}

function loadPreload(answer: (channel: string, ...args: unknown[]) => unknown) {
  const exposed = new Map<string, unknown>();
  const renderer = new EventEmitter();
  const invoked: unknown[][] = [];
  const requested: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        exposed.set(key, api);
      },
    },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        invoked.push([channel, ...args]);
        return answer(channel, ...args);
      },
      on: (ch: string, l: (...a: unknown[]) => void) => renderer.on(ch, l),
      off: (ch: string, l: (...a: unknown[]) => void) => renderer.off(ch, l),
    },
  };
  // What a sandboxed preload's require may return; anything else throws, as in Electron.
  const allowed: Record<string, unknown> = { electron, events: { EventEmitter }, timers: { setTimeout, clearTimeout }, url: { URL } };
  const req = (name: string): unknown => {
    requested.push(name);
    if (!(name in allowed)) throw new Error(`module not found: ${name} (a sandboxed preload may require only electron, events, timers, url)`);
    return allowed[name];
  };
  const code = fs.readFileSync(path.join(OUT, 'preload', 'index.cjs'), 'utf8');
  const context = vm.createContext({});
  const module = { exports: {} };
  vm.runInContext(`(function (require, module, exports) {${code}\n})`, context, { filename: 'index.cjs' })(req, module, module.exports);
  return {
    api: exposed.get('mlbl') as Exposed,
    exposed,
    invoked,
    requested,
    emit: (name: string, payload: unknown) => renderer.emit('api.event', {}, name, payload),
  };
}

describe('the built preload in a sandbox', () => {
  beforeAll(ensureElectronBuild);

  it('requires nothing but electron and exposes exactly mlbl with call and on', () => {
    const p = loadPreload(() => ({ ok: true, result: null }));
    expect(p.requested).toEqual(['electron']);
    expect([...p.exposed.keys()]).toEqual(['mlbl']);
    expect(Object.keys(p.api).sort()).toEqual(['call', 'on']);
  });

  it('round-trips a call over api.call, and turns an error reply into an ApiError with its code', async () => {
    const runs = [{ id: 'r1', name: 'first' }];
    const p = loadPreload((_ch, method) =>
      method === 'runs.list' ? { ok: true, result: runs } : { ok: false, error: { code: 'not_found', message: 'no run with id x' } },
    );
    expect(await p.api.call('runs.list', { limit: 5 })).toEqual(runs);
    expect(p.invoked[0]).toEqual(['api.call', 'runs.list', { limit: 5 }]);
    const err = await p.api.call('runs.get', { id: 'x' }).catch((e: unknown) => e as { name: string; code: string; message: string });
    expect(err).toMatchObject({ name: 'ApiError', code: 'not_found', message: 'no run with id x' });
  });

  it('delivers one event to its subscribers only, until unsubscribed; unknown events are refused', () => {
    const p = loadPreload(() => null);
    const got: unknown[] = [];
    const off = p.api.on('run.status', (r) => got.push(r));
    p.emit('run.log', { message: 'not for this handler' });
    p.emit('run.status', { id: 'r1', status: 'running' });
    off();
    p.emit('run.status', { id: 'r1', status: 'completed' });
    expect(got).toEqual([{ id: 'r1', status: 'running' }]);
    expect(() => p.api.on('fs.read', () => {})).toThrow(/unknown event fs.read/);
  });
});
