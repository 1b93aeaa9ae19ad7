/** For component and store tests: one run's record as the host sends it, the fields a test cares about given. */
import type { RunRecord } from '../../shared/api';

/** A completed run (LeNet-5 unless `over.preset` says otherwise; its spec names that preset and no parameters). */
export function testRun(over: Partial<RunRecord> = {}): RunRecord {
  const id = over.id ?? 'r1';
  const preset = over.preset ?? 'lenet5-mnist';
  return {
    id,
    name: id,
    preset,
    spec: { preset, params: {}, tags: [] } as unknown as RunRecord['spec'],
    status: 'completed',
    createdAt: 1,
    startedAt: 2,
    endedAt: 3,
    backend: 'cpu',
    seed: 1,
    error: null,
    exitCode: null,
    tags: [],
    notes: '',
    summary: {},
    queuePosition: null,
    ...over,
  };
}
