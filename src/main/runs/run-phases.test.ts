import { describe, expect, it } from 'vitest';
import { checkEngineToHost } from '../../shared/engine-protocol';
import { RunPhases, secondsLeft } from './run-phases';

const msg = (done: number, total = 1000) => ({
  type: 'phase' as const,
  name: 'features' as const,
  label: 'Extracting image features',
  unit: 'images',
  done,
  total,
});

describe('run phases', () => {
  it('engines may send a phase message; a malformed one is named by field', () => {
    expect(checkEngineToHost(msg(10)).ok).toBe(true);
    const bad = checkEngineToHost({ ...msg(10), name: 'training', done: '10' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/'phase' message: .*name/);
  });

  it('keeps the count and the time left at the rate seen since the phase started', () => {
    const p = new RunPhases(500);
    expect(p.update('r', msg(0), 1_000)).toBe(true);
    expect(p.get('r')).toMatchObject({ name: 'features', done: 0, total: 1000, startedAt: 1_000, secondsLeft: null });
    // 100 images in 10 s: 900 left take 90 s. Published at most every 500 ms.
    expect(p.update('r', msg(100), 11_000)).toBe(true);
    expect(p.get('r')?.secondsLeft).toBe(90);
    expect(p.update('r', msg(101), 11_100)).toBe(false);
    expect(p.get('r')?.done).toBe(101);
    expect(p.update('r', msg(1000), 11_200)).toBe(true);
    expect(p.get('r')?.secondsLeft).toBe(0);
    expect(p.clear('r')).toBe(true);
    expect(p.get('r')).toBeNull();
    expect(p.clear('r')).toBe(false);
  });

  it('a resumed extraction counts its rate from where it resumed, not from zero', () => {
    const p = new RunPhases();
    p.update('r', msg(600), 0);
    p.update('r', msg(700), 10_000);
    expect(p.get('r')?.secondsLeft).toBe(30);
    expect(secondsLeft(0, 5, 1_000)).toBeNull();
  });
});
