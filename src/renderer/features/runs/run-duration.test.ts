import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../shared/api';
import { runDuration } from './run-filters';
import { testRun } from '../../testing/run-record';

const run = (over: Partial<RunRecord>): RunRecord =>
  testRun({ id: 'r', createdAt: 0, startedAt: 1_000, endedAt: 1_000 + 19 * 60_000, backend: null, seed: null, ...over });

describe('runDuration', () => {
  it('is the time spent training, not the wall time since the first start', () => {
    // Trained 30 s, paused 18 min, resumed and finished 5 s later.
    expect(runDuration(run({ activeMs: 35_000, runningSince: null }), 10 ** 9)).toBe(35_000);
    // Running again since t=50 s: the open interval counts up to now.
    expect(runDuration(run({ status: 'running', endedAt: null, activeMs: 30_000, runningSince: 50_000 }), 62_000)).toBe(42_000);
    expect(runDuration(run({ startedAt: null, activeMs: 0 }), 5)).toBeNull();
    // A record from an older host, without active time: start to end as before.
    expect(runDuration(run({}), 0)).toBe(19 * 60_000);
  });
});
