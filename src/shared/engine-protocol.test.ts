import { describe, expect, it } from 'vitest';
import { checkEngineToHost, checkHostToEngine, receiveEngineMessage, type EngineToHost } from './engine-protocol';

describe('engine protocol schemas', () => {
  it('accepts every kind of valid engine message unchanged', () => {
    const valid: EngineToHost[] = [
      { type: 'ready' },
      { type: 'started', backend: 'wasm', seed: 1, skipped: [{ backend: 'tensorflow', reason: 'not installed' }] },
      { type: 'metrics', points: [{ key: 'loss', step: 0, epoch: 0.1, wallTime: 0.5, value: Number.NaN }] },
      { type: 'log', level: 'warn', message: 'x' },
      { type: 'artefact', kind: 'checkpoint', file: 'c/model.json', step: 3, epoch: 1, meta: { best: true } },
      { type: 'progress', epoch: 1, epochs: 2, step: 3, stepsPerEpoch: 8 },
      { type: 'sample', step: 40, epoch: 1, kind: 'caption-greedy', text: 'a dog', data: { slot: 0 } },
      { type: 'done', outcome: 'completed', summary: { steps: 8 } },
      { type: 'error', message: 'boom' },
      { type: 'diverged', step: 5, loss: Infinity, message: 'diverged' },
      { type: 'inspected', requestId: 1, error: 'no checkpoint' },
      { type: 'job-progress', requestId: 2, progress: { done: 1 } },
      { type: 'job-done', requestId: 2, result: { rows: 3 } },
    ];
    for (const m of valid) expect(checkEngineToHost(m)).toEqual({ ok: true, msg: m });
    expect(checkHostToEngine({ type: 'start', runId: 'r', spec: { preset: 'lbl', params: {} }, runDir: '/d' }).ok).toBe(true);
    expect(checkHostToEngine({ type: 'job', requestId: 1, job: { kind: 'features' } }).ok).toBe(true);
  });

  it('names the wrong field of an invalid message, never its contents', () => {
    const r = checkEngineToHost({ type: 'metrics', points: [{ key: 'secret-key', step: 'x', epoch: 0, wallTime: 0, value: 0 }] });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/^invalid 'metrics' message: points: expected an array of metric points/) });
    expect(JSON.stringify(r)).not.toContain('secret-key');
    expect(checkEngineToHost({ type: 'log', level: 'loud', message: 'm' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^invalid 'log' message: level: /),
    });
    expect(checkHostToEngine({ type: 'pause', extra: 1 }).ok).toBe(true); // unknown fields are dropped, not fatal
    expect(checkHostToEngine({ type: 'inspect', requestId: 1.5, job: { checkpointDir: 'c' } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/requestId: /),
    });
    const got: EngineToHost[] = [];
    receiveEngineMessage(undefined, (m) => got.push(m));
    expect(got).toEqual([{ type: 'log', level: 'warn', message: expect.stringMatching(/^dropped a message from the engine: invalid message: \(message\): /) }]);
  });

  it('checks a 100,000-point metrics batch in a loop, not a schema per point', () => {
    const points = Array.from({ length: 100_000 }, (_, i) => ({ key: 'loss', step: i, epoch: i / 1000, wallTime: i / 10, value: 1 / (i + 1) }));
    const t0 = performance.now();
    const r = checkEngineToHost({ type: 'metrics', points });
    const ms = performance.now() - t0;
    console.log(`[engine-protocol.test] 100,000 metric points checked in ${ms.toFixed(1)} ms`);
    expect(r.ok && r.msg.type === 'metrics' && r.msg.points).toBe(points); // the same array, not a copy
    expect(ms).toBeLessThan(500);
  });
});
