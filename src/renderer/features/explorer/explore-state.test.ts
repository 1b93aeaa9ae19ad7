import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, decodeRequest, requestKey, wordOpacity } from './explore-state';

describe('caption explorer requests', () => {
  const item = { kind: 'item', itemId: 12, label: 'a.jpg' } as const;

  it('sends only the settings the method uses', () => {
    expect(decodeRequest('r1', item, { ...DEFAULT_SETTINGS, method: 'beam', beam: 5, temperature: 2 })).toEqual({
      id: 'r1',
      checkpoint: 'best',
      method: 'beam',
      maxLength: 20,
      itemId: 12,
      beam: 5,
    });
    expect(decodeRequest('r1', item, { ...DEFAULT_SETTINGS, method: 'sample', temperature: 1.2345, topK: 7 })).toEqual({
      id: 'r1',
      checkpoint: 'best',
      method: 'sample',
      maxLength: 20,
      itemId: 12,
      temperature: 1.23,
      topK: 7,
      seed: 1,
    });
    expect(decodeRequest('r1', item, { ...DEFAULT_SETTINGS, method: 'greedy', beam: 9 })).toEqual({
      id: 'r1',
      checkpoint: 'best',
      method: 'greedy',
      maxLength: 20,
      itemId: 12,
    });
    const file = decodeRequest('r1', { kind: 'file', dataUrl: 'data:image/png;base64,AAAA', name: 'x.png' }, DEFAULT_SETTINGS);
    expect(file.image).toBe('data:image/png;base64,AAAA');
    expect(file.itemId).toBeUndefined();
  });

  it('gives equal keys to equal questions only', () => {
    const a = decodeRequest('r1', item, { ...DEFAULT_SETTINGS, method: 'beam', temperature: 2 });
    const b = decodeRequest('r1', item, { ...DEFAULT_SETTINGS, method: 'beam', temperature: 0.5 });
    expect(requestKey(a)).toBe(requestKey(b));
    const c = decodeRequest('r1', item, { ...DEFAULT_SETTINGS, method: 'sample', temperature: 2 });
    const d = decodeRequest('r1', item, { ...DEFAULT_SETTINGS, method: 'sample', temperature: 0.5 });
    expect(requestKey(c)).not.toBe(requestKey(d));
  });

  it('maps word probability to opacity', () => {
    expect(wordOpacity(0)).toBe(0.3);
    expect(wordOpacity(0.25)).toBe(0.65);
    expect(wordOpacity(0.9)).toBe(1);
    expect(wordOpacity(Number.NaN)).toBe(0.3);
  });
});
