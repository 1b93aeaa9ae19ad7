/**
 * The shared training loop on its own: the real harness with a tiny fake trainer (a scripted loss
 * per step, no tfjs), checking stop, pause, divergence, patience, resume positions, and that the
 * points measured before a checkpoint are sent ahead of its message (the host's resume relies on
 * that order).
 */
import { describe, expect, it } from 'vitest';
import type { EngineToHost } from '../../shared/engine-protocol';
import { TrainingLoop, type CheckpointAt, type LoopOptions } from './loop-harness';

interface FakeRun {
  messages: EngineToHost[];
  /** What happened, in order: 'batch e.b', 'eval e', 'ckpt reason@step', messages by type. */
  events: string[];
  loop: TrainingLoop;
  checkpoints: CheckpointAt[];
}

interface Fake {
  epochs?: number;
  stepsPerEpoch?: number;
  patience?: number;
  /** The loss at a step (default: a finite value). */
  loss?: (step: number) => number;
  /** The monitored value after an epoch (lower is better; default: always improving). */
  value?: (epoch: number) => number;
  /** Stop (and pause when `pause`) once this many steps are done. */
  stopAt?: number;
  pause?: boolean;
  /** Checkpoint at a stop (besides a pause) and at every epoch end. */
  checkpoints?: boolean;
  /** writeCheckpoint reports non-finite weights at these steps. */
  badWeightsAt?: number[];
  evaluateStoppedEpoch?: boolean;
  resume?: LoopOptions['resume'];
  throwAt?: number;
}

function fake(f: Fake): FakeRun {
  const messages: EngineToHost[] = [];
  const events: string[] = [];
  const checkpoints: CheckpointAt[] = [];
  const ctx = {
    runDir: '/nonexistent',
    emit: (m: EngineToHost) => {
      messages.push(m);
      events.push(m.type === 'artefact' ? `artefact ${m.kind}` : m.type);
    },
    stopRequested: () => f.stopAt !== undefined && loop.step >= f.stopAt,
    pauseRequested: () => !!f.pause,
  };
  const loop: TrainingLoop = new TrainingLoop(
    {
      ctx,
      epochs: f.epochs ?? 3,
      stepsPerEpoch: f.stepsPerEpoch ?? 4,
      patience: f.patience ?? 0,
      better: (v, than) => v < than,
      evaluateStoppedEpoch: f.evaluateStoppedEpoch,
      resume: f.resume,
    },
    {
      beginEpoch: (e) => {
        events.push(`begin ${e}`);
      },
      trainBatch: (e, b) => {
        if (f.throwAt === loop.step) throw new Error(`thrown at step ${loop.step}`);
        events.push(`batch ${e}.${b}`);
        return { loss: f.loss ? f.loss(loop.step) : 1 / (loop.step + 1), items: 10 };
      },
      evaluate: (e, stats, partial) => {
        events.push(`eval ${e}${partial ? ' partial' : ''} items=${stats.items}`);
        loop.point('val', loop.step - 1, e, f.value ? f.value(e) : -e);
        return f.value ? f.value(e) : -e;
      },
      wantsCheckpoint: (at) => !!f.checkpoints || at.pausing,
      writeCheckpoint: (at) => {
        if (f.badWeightsAt?.includes(loop.step)) return false;
        checkpoints.push(at);
        ctx.emit({
          type: 'artefact',
          kind: 'checkpoint',
          file: `ckpt-${loop.step}`,
          step: loop.step - 1,
          epoch: at.epochsDone,
          meta: { steps: loop.step, reason: at.reason },
        });
        return true;
      },
      divergedMessage: ({ step, loss, cause, lastCheckpointStep }) => `diverged at ${step} (${cause}, loss ${loss}), last checkpoint ${lastCheckpointStep}`,
      earlyStop: (e) => {
        events.push(`early stop ${e}`);
      },
    },
  );
  return { messages, events, loop, checkpoints };
}

const lossSteps = (r: FakeRun): number[] =>
  r.messages.flatMap((m) => (m.type === 'metrics' ? m.points.filter((p) => p.key === 'loss').map((p) => p.step) : []));
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('training loop harness', () => {
  it('runs every epoch to the end: one loss point per step, an evaluation per epoch, metrics flushed before each checkpoint', async () => {
    const r = fake({ checkpoints: true });
    const res = await r.loop.run();
    expect(res).toEqual({ stopped: false, divergedAt: null, stoppedEarly: false, lastEpochDone: 3 });
    expect(lossSteps(r)).toEqual(range(0, 12));
    expect(r.checkpoints.map((c) => [c.reason, c.epochsDone, c.batchInEpoch])).toEqual([
      ['epoch', 1, 0],
      ['epoch', 2, 0],
      ['epoch', 3, 0],
    ]);
    // Each checkpoint message comes right after the metrics that hold its epoch's points.
    r.messages.forEach((m, i) => {
      if (m.type !== 'artefact') return;
      const before = r.messages[i - 1];
      expect(before?.type).toBe('metrics');
      const steps = r.messages.slice(0, i).flatMap((x) => (x.type === 'metrics' ? x.points.map((p) => p.step) : []));
      expect(Math.max(...steps)).toBe((m.meta.steps as number) - 1);
    });
    expect(r.loop.best).toEqual({ value: -3, epoch: 3 });
  });

  it('a stop ends the epoch promptly: no evaluation, a checkpoint only when the trainer wants one', async () => {
    const r = fake({ stopAt: 6 });
    const res = await r.loop.run();
    expect(res.stopped).toBe(true);
    expect(res.lastEpochDone).toBe(1);
    expect(lossSteps(r)).toEqual(range(0, 6));
    expect(r.events.filter((e) => e.startsWith('eval'))).toEqual(['eval 1 items=40']);
    expect(r.checkpoints).toEqual([]);
  });

  it("a pause always checkpoints where it stopped, with the partial epoch's sums, after the points measured before it", async () => {
    const r = fake({ stopAt: 6, pause: true });
    await r.loop.run();
    expect(r.checkpoints).toHaveLength(1);
    const c = r.checkpoints[0] as CheckpointAt;
    expect([c.reason, c.epochsDone, c.batchInEpoch, c.pausing, c.stats.items, c.stats.batches]).toEqual(['stop', 1, 2, true, 20, 2]);
    const at = r.events.indexOf('artefact checkpoint');
    expect(r.events[at - 1]).toBe('metrics');
    expect(lossSteps(r)).toEqual(range(0, 6));
  });

  it('a stop evaluates the partial epoch when the trainer asks (a pause never does)', async () => {
    const stop = fake({ stopAt: 6, evaluateStoppedEpoch: true });
    await stop.loop.run();
    expect(stop.events.filter((e) => e.startsWith('eval'))).toEqual(['eval 1 items=40', 'eval 2 partial items=20']);
    const pause = fake({ stopAt: 6, pause: true, evaluateStoppedEpoch: true });
    await pause.loop.run();
    expect(pause.events.filter((e) => e.startsWith('eval'))).toEqual(['eval 1 items=40']);
  });

  it('a NaN or infinite loss ends the run diverged at that step: its loss is not recorded, no checkpoint after it', async () => {
    for (const bad of [Number.NaN, Infinity]) {
      const r = fake({ checkpoints: true, loss: (s) => (s === 5 ? bad : 0.5) });
      const res = await r.loop.run();
      expect(res.divergedAt).toBe(5);
      expect(lossSteps(r)).toEqual(range(0, 5));
      const d = r.messages.find((m) => m.type === 'diverged');
      expect(d).toMatchObject({ type: 'diverged', step: 5, message: `diverged at 5 (loss, loss ${bad}), last checkpoint 4` });
      expect(r.checkpoints.map((c) => c.epochsDone)).toEqual([1]);
      expect(r.events.filter((e) => e.startsWith('eval'))).toEqual(['eval 1 items=40']);
    }
  });

  it('non-finite weights at checkpoint time end the run diverged (by the previous step) without a checkpoint', async () => {
    const r = fake({ checkpoints: true, badWeightsAt: [8] });
    const res = await r.loop.run();
    expect(res.divergedAt).toBe(7);
    expect(r.checkpoints.map((c) => c.epochsDone)).toEqual([1]);
    expect(r.messages.find((m) => m.type === 'diverged')).toMatchObject({ step: 7, message: 'diverged at 7 (weights, loss NaN), last checkpoint 4' });
    expect(r.events).not.toContain('begin 3');
  });

  it('stops early once the monitored value has not improved for `patience` epochs', async () => {
    const r = fake({ epochs: 10, patience: 2, value: (e) => (e <= 2 ? -e : 0) });
    const res = await r.loop.run();
    expect(res.stoppedEarly).toBe(true);
    expect(res.lastEpochDone).toBe(4);
    expect(r.events).toContain('early stop 4');
    expect(r.loop.best).toEqual({ value: -2, epoch: 2 });
    // Patience that runs out at the last epoch is no early stop.
    const last = fake({ epochs: 3, patience: 2, value: () => 1 });
    expect((await last.loop.run()).stoppedEarly).toBe(false);
  });

  it('resumes mid-epoch: the step count, the skipped batches and the partial sums go on; a stop at the resumed step writes no second checkpoint', async () => {
    const resume = {
      step: 6,
      epochsDone: 1,
      batchInEpoch: 2,
      stats: { lossSum: 5, items: 20, batches: 2, ms: 1 },
      best: { value: -1, epoch: 1 },
      sinceBest: 0,
      lastCheckpointStep: 6,
    };
    const r = fake({ resume });
    await r.loop.run();
    expect(lossSteps(r)).toEqual(range(6, 12));
    expect(r.events.slice(0, 3)).toEqual(['begin 2', 'batch 2.2', 'batch 2.3']);
    expect(r.events.find((e) => e.startsWith('eval'))).toBe('eval 2 items=40');
    const again = fake({ resume, stopAt: 6, pause: true });
    await again.loop.run();
    expect(again.checkpoints).toEqual([]);
  });

  it('flushes the points measured so far when training throws', async () => {
    const r = fake({ throwAt: 3 });
    await expect(r.loop.run()).rejects.toThrow('thrown at step 3');
    expect(lossSteps(r)).toEqual([0, 1, 2]);
  });
});
