import { describe, expect, it } from 'vitest';
import { hrefFor, parseHash, parseIds } from './route';

describe('compare route', () => {
  it('round-trips the run ids of #/compare?ids=', () => {
    const href = hrefFor.compare(['a1', 'b-2', 'c_3']);
    expect(href).toBe('#/compare?ids=a1,b-2,c_3');
    expect(parseHash(href)).toEqual({ page: 'compare', ids: ['a1', 'b-2', 'c_3'] });
  });

  it('drops invalid and duplicate ids and keeps at most 12', () => {
    expect(parseIds('ids=a,,b,a,../x,<c>')).toEqual(['a', 'b']);
    expect(parseIds('')).toEqual([]);
    expect(parseIds(`ids=${Array.from({ length: 20 }, (_, i) => `r${i}`).join(',')}`)).toHaveLength(12);
    expect(parseHash('#/compare')).toEqual({ page: 'compare', ids: [] });
  });
});
