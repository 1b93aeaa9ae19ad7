import { describe, expect, it } from 'vitest';
import { parseLayersText } from '../shared/layer-text';
import { inspectTable } from './classifier-commands';

describe('mlbl inspect', () => {
  it('prints the seed exercise: 28x28x5, 375 weights and +5 biases; stride 3 gives 10x10x5', () => {
    const t = inspectTable('32x32x3', parseLayersText('conv 5x5x5 s1 p0'));
    expect(t.ok).toBe(true);
    const row = t.text.split('\n').find((l) => l.startsWith('1 '));
    expect(row).toMatch(/conv2d_1\s+conv2d\s+28x28x5\s+375\s+\+5\s+380/);
    expect(inspectTable('32x32x3', parseLayersText('conv 5x5x5 s3 p0')).text).toMatch(/10x10x5\s+375\s+\+5/);
  });

  it('flags the impossible layer and keeps the rows before it', () => {
    const t = inspectTable('8x8x1', parseLayersText('conv 3x3x2; conv 9x9x2'));
    expect(t.ok).toBe(false);
    expect(t.text).toMatch(/conv2d_1\s+conv2d\s+6x6x2/);
    expect(t.text).toMatch(/error: .*layer 2/i);
    expect(() => inspectTable('8x8x2', [])).toThrow(/2 channels/);
  });
});
