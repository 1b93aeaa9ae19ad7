/**
 * Engine messages are validated on both sides, with real engine processes: an engine that sends
 * malformed messages through its real channel (MLBL_FAULT=garbage@STEP) does not crash the host,
 * each one becomes a warn line of the run naming what was wrong, and the run completes; an
 * engine sent malformed messages drops them, says so, and goes on answering valid ones.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineToHost, HostToEngine } from '../../shared/engine-protocol';
import { forkEngine } from './engine-process';
import { lenetSpec, range, steps, TestHosts, until } from '../runs/testing';

const t = new TestHosts();
afterAll(() => t.cleanup());

describe('engine messages', () => {
  it('a run whose engine sends malformed messages completes; each is dropped with a warn line naming what was wrong', async () => {
    const h = t.host({ engineEnv: { MLBL_FAULT: 'garbage@3' } });
    const run = await h.runs.waitFor(h.runs.create(lenetSpec({ epochs: 1, testLimit: 0 })).id);
    expect(run.status, run.error ?? '').toBe('completed');
    expect(steps(h.store, run.id, 'loss')).toEqual(range(8));
    const warns = h.store
      .logs(run.id, 200)
      .filter((l) => l.level === 'warn' && l.message.startsWith('dropped a message from the engine'))
      .map((l) => l.message);
    expect(warns).toHaveLength(7);
    expect(warns.join('\n')).toMatch(/invalid 'metrics' message: points: expected an array of metric points/);
    expect(warns.join('\n')).toMatch(/invalid 'artefact' message: file: /);
    expect(warns.join('\n')).toMatch(/invalid 'done' message: outcome: /);
    expect(warns.join('\n')).toMatch(/invalid 'no-such-message' message: type: /);
    // The host is still up and serving.
    expect((await h.dispatch('runs.get', { id: run.id })) as { status: string }).toMatchObject({ status: 'completed' });
  });

  it('an engine drops malformed host messages with a warning and still answers valid ones', async () => {
    const proc = forkEngine();
    const got: EngineToHost[] = [];
    proc.onMessage((m) => {
      got.push(m);
    });
    const exited = new Promise<number | null>((resolve) => proc.onExit((code) => resolve(code)));
    try {
      await until(() => got.some((m) => m.type === 'ready'), 'the engine to be ready', 30_000);
      // Deliberately outside the protocol's types: what a confused host might send.
      for (const bad of [{ type: 'start', runId: 7 }, { type: 'inspect', requestId: 1, job: 'x' }, { type: 'reboot' }, 'stop'])
        proc.send(bad as unknown as HostToEngine);
      const warns = await until(
        () => {
          const w = got.flatMap((m) => (m.type === 'log' && m.level === 'warn' ? [m.message] : []));
          return w.length >= 4 ? w : null;
        },
        'four warnings from the engine',
        30_000,
      );
      expect(warns.every((w) => w.startsWith('engine: dropped a message from the host: invalid'))).toBe(true);
      expect(warns[0]).toMatch(/'start' message: .*runId: /);
      expect(warns[1]).toMatch(/'inspect' message: job: expected an activations job/);
      // Still alive and following the protocol: an inspect request gets its answer.
      proc.send({ type: 'inspect', requestId: 9, job: { kind: 'activations', checkpointDir: '/nonexistent/checkpoint', split: 'test', imageIndex: 0 } });
      const answer = await until(() => got.find((m) => m.type === 'inspected'), 'the inspect answer', 60_000);
      expect(answer).toMatchObject({ type: 'inspected', requestId: 9, error: expect.any(String) });
      proc.send({ type: 'stop' });
      expect(await exited).toBe(0);
    } finally {
      proc.kill();
    }
  });
});
