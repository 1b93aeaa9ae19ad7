/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { searchTerms } from './dataset-format';
import { TileCaption } from './TileCaption';

afterEach(cleanup);

const LONG = 'A man in a red jacket and a woman in a blue coat are standing on a crowded city street next to a small brown dog';

describe('TileCaption', () => {
  // Issue 18, problem 10: search result tiles clamp the caption to two lines, hiding the matching words.
  it('starts a long caption near the matching word, marks it, and keeps the whole caption on hover', () => {
    render(<TileCaption caption={LONG} terms={searchTerms('dog')} />);
    const el = screen.getByTestId('tile-caption');
    expect(el.querySelector('mark')?.textContent).toBe('dog');
    // What a two-line tile shows (about 60 characters) holds the match.
    expect((el.textContent ?? '').slice(0, 60)).toContain('dog');
    expect(el.textContent?.startsWith('…')).toBe(true);
    expect(el.getAttribute('title')).toBe(LONG);
  });

  it('leaves a caption whose match is near the start, and one without a search, as it is', () => {
    render(<TileCaption caption="A dog runs through the grass" terms={searchTerms('dog')} />);
    expect(screen.getByTestId('tile-caption').textContent).toBe('A dog runs through the grass');
    cleanup();
    render(<TileCaption caption={LONG} terms={[]} />);
    expect(screen.getByTestId('tile-caption').textContent).toBe(LONG);
  });
});
