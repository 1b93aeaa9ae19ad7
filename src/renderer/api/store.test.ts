import { describe, expect, it } from 'vitest';
import type { MethodName, RunRecord } from '../../shared/api';
import { createAppStore } from './store';
import { testRun } from '../testing/run-record';
import { SYSTEM_INFO, recordingClient, type Answers } from '../testing/recording-client';

const RUN: RunRecord = testRun({
  name: 'one',
  status: 'running',
  endedAt: null,
  spec: {
    preset: 'lenet5-mnist',
    params: {
      epochs: 2,
      batchSize: 64,
      learningRate: 0.001,
      optimizer: 'adam',
      trainLimit: 1000,
      validationLimit: 500,
      seed: 1,
      backend: 'auto',
      lrSchedule: 'cosine',
      augmentShift: 2,
    },
    tags: [],
  },
});

/** An Api whose answers the test releases by hand, and whose events the test emits. */
function fakeClient() {
  const gates: { method: string; release: () => void }[] = [];
  const answers: Partial<Record<MethodName, unknown>> = {
    'system.info': SYSTEM_INFO,
    'runs.list': [RUN],
    'runs.get': RUN,
    'runs.metrics': [
      {
        key: 'loss',
        total: 2,
        points: [
          { step: 1, epoch: 1, wallTime: 1, value: 2 },
          { step: 2, epoch: 1, wallTime: 2, value: 1.5 },
        ],
      },
    ],
    'runs.logs': [{ runId: 'r1', ts: 5, level: 'info', message: 'started' }],
    'runs.artefacts': [{ id: 7, runId: 'r1', kind: 'filters', step: 0, epoch: 0, meta: {}, createdAt: 1 }],
    'runs.update': { ...RUN, name: 'renamed', tags: ['t1'], notes: 'n' },
    'runs.pause': { ...RUN, status: 'paused' },
    'runs.resume': { ...RUN, status: 'queued', queuePosition: 1 },
    'runs.delete': { deleted: true },
  };
  let hold = false;
  // Each answer waits for the test's release while `hold` is on.
  const held: Answers = {};
  for (const [method, answer] of Object.entries(answers))
    held[method as MethodName] = () =>
      new Promise((resolve) => {
        const release = () => resolve(answer);
        if (hold) gates.push({ method, release });
        else release();
      });
  const { client, emit, calls } = recordingClient(held);
  return { client, emit, gates, calls, setHold: (h: boolean) => (hold = h) };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('app store', () => {
  it('loads system info and runs at start-up and applies status events', async () => {
    const f = fakeClient();
    const store = createAppStore(f.client);
    await flush();
    expect(store.getState().system?.dataDir).toBe('/d');
    expect(store.getState().runs.r1?.status).toBe('running');
    f.emit('run.status', { ...RUN, status: 'completed', summary: { val_accuracy: 0.9 } });
    expect(store.getState().runs.r1).toMatchObject({ status: 'completed', summary: { val_accuracy: 0.9 } });
  });

  it('buffers events that arrive while a run page loads, then merges them without duplicates', async () => {
    const f = fakeClient();
    const store = createAppStore(f.client);
    await flush();
    f.setHold(true);
    const opening = store.getState().openRun('r1');
    expect(store.getState().view).toMatchObject({ runId: 'r1', loaded: false });
    f.emit('run.metrics', {
      runId: 'r1',
      points: [
        { key: 'loss', step: 2, epoch: 1, wallTime: 2, value: 1.5 },
        { key: 'loss', step: 3, epoch: 1, wallTime: 3, value: 1.2 },
      ],
    });
    f.emit('run.metrics', { runId: 'other', points: [{ key: 'loss', step: 9, epoch: 1, wallTime: 2, value: 9 }] });
    f.emit('run.log', { runId: 'r1', ts: 6, level: 'info', message: 'epoch 1' });
    f.emit('run.artefact', { id: 8, runId: 'r1', kind: 'filters', step: 16, epoch: 1, meta: {}, createdAt: 2 });
    for (const g of f.gates.splice(0)) g.release();
    await opening;
    const v = store.getState().view;
    expect(v?.loaded).toBe(true);
    expect(v?.series.loss?.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(v?.totals.loss).toBe(3);
    expect(v?.logs.map((l) => l.message)).toEqual(['started', 'epoch 1']);
    expect(v?.filters.map((a) => a.id)).toEqual([7, 8]);
    // Once loaded, events apply directly; the list's summary follows the metrics.
    f.setHold(false);
    f.emit('run.metrics', { runId: 'r1', points: [{ key: 'loss', step: 4, epoch: 2, wallTime: 4, value: 1.1 }] });
    expect(store.getState().view?.series.loss?.length).toBe(4);
    expect(store.getState().runs.r1?.summary.loss).toBe(1.1);
  });

  it('drops the answers of a run page that was closed before they arrived', async () => {
    const f = fakeClient();
    const store = createAppStore(f.client);
    await flush();
    f.setHold(true);
    const opening = store.getState().openRun('r1');
    store.getState().closeRun();
    for (const g of f.gates.splice(0)) g.release();
    await opening;
    expect(store.getState().view).toBeNull();
  });

  it('updates, pauses, resumes and deletes runs, keeping the ticked selection consistent', async () => {
    const f = fakeClient();
    const store = createAppStore(f.client);
    await flush();
    const s = () => store.getState();
    await s().updateRun('r1', { name: 'renamed', tags: ['t1'], notes: 'n' });
    expect(f.calls.at(-1)).toEqual({ method: 'runs.update', input: { id: 'r1', name: 'renamed', tags: ['t1'], notes: 'n' } });
    expect(s().runs.r1).toMatchObject({ name: 'renamed', tags: ['t1'], notes: 'n' });
    await s().pauseRun('r1');
    expect(s().runs.r1?.status).toBe('paused');
    await s().resumeRun('r1');
    expect(s().runs.r1).toMatchObject({ status: 'queued', queuePosition: 1 });
    s().toggleSelected('r1');
    s().toggleSelected('r2');
    s().toggleSelected('r2');
    expect(s().selected).toEqual(['r1']);
    s().setSelected(['r1', 'r1', 'r3']);
    expect(s().selected).toEqual(['r1', 'r3']);
    await s().deleteRun('r1');
    expect(s().runs.r1).toBeUndefined();
    expect(s().selected).toEqual(['r3']);
  });

  it('reloads the open run page metrics with the chosen downsampling', async () => {
    const f = fakeClient();
    const store = createAppStore(f.client);
    await flush();
    await store.getState().openRun('r1');
    expect(f.calls.find((c) => c.method === 'runs.metrics')?.input).toMatchObject({ id: 'r1', downsample: 'minmax' });
    await store.getState().setDownsample('lttb');
    expect(f.calls.filter((c) => c.method === 'runs.metrics').at(-1)?.input).toMatchObject({ id: 'r1', downsample: 'lttb' });
    expect(store.getState().downsample).toBe('lttb');
    expect(store.getState().view?.series.loss?.map((p) => p.step)).toEqual([1, 2]);
  });
});
