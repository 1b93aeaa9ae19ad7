import { describe, expect, it } from 'vitest';
import { expandSweep, parseSweepSpec } from '../../../shared/sweep-spec';
import type { RunSpec } from '../../../shared/run-spec';
import { buildSweep, type SweepRowDraft } from './sweep-form';

const base: RunSpec = { preset: 'lenet5-mnist', name: undefined, tags: [], params: { epochs: 1, trainLimit: 256 } } as unknown as RunSpec;
const labels = { learningRate: 'Learning rate', batchSize: 'Batch size', weightDecay: 'Weight decay', epochs: 'Epochs' };
const row = (id: number, patch: Partial<SweepRowDraft>): SweepRowDraft => ({
  id,
  key: 'learningRate',
  kind: 'grid',
  values: '',
  lo: '',
  hi: '',
  int: false,
  ...patch,
});

describe('buildSweep', () => {
  it('makes the grid and draws the shared expansion makes, over the form spec without the swept keys', () => {
    const b = buildSweep(
      {
        rows: [
          row(1, { values: '0.001, 0.002' }),
          row(2, { key: 'batchSize', values: '32,64,128' }),
          row(3, { key: 'weightDecay', kind: 'log', lo: '1e-5', hi: '1e-3' }),
        ],
        draws: '2',
        seed: '7',
      },
      base,
      'lr sweep',
      labels,
    );
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.count).toBe(12);
    const spec = parseSweepSpec(b.spec);
    expect(expandSweep(spec)).toHaveLength(12);
    expect(spec).toMatchObject({ name: 'lr sweep', preset: 'lenet5-mnist', set: { epochs: 1, trainLimit: 256 }, seed: 7, random: 2 });
    expect(spec.ranges.weightDecay).toEqual({ kind: 'log', lo: 1e-5, hi: 1e-3, int: false });
  });

  it('names the field of each problem', () => {
    const b = buildSweep(
      {
        rows: [row(1, { values: '0.001, fast' }), row(2, { key: 'weightDecay', kind: 'uniform', lo: '0.1', hi: '0.01' }), row(3, { values: '1' })],
        draws: '',
        seed: '1',
      },
      base,
      '',
      labels,
    );
    expect(b.ok).toBe(false);
    if (b.ok) return;
    expect(b.errors.some((e) => e.startsWith('Learning rate: value "fast"'))).toBe(true);
    expect(b.errors).toContain('Weight decay: "from" (0.1) must be below "to" (0.01)');
    expect(b.errors).toContain('Learning rate: swept twice; keep one row');
    expect(b.errors).toContain('Random draws: the draws need a number of runs');
  });

  it('waits for the run above to be valid', () => {
    const b = buildSweep({ rows: [row(1, { values: '0.1,0.2' })], draws: '', seed: '1' }, null, '', labels);
    expect(b).toMatchObject({ ok: false, count: 2 });
  });
});
