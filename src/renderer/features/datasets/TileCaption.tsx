import { highlight, matchSnippet, type SearchTerm } from './dataset-format';
import './datasets.css';

/** A tile's caption: while searching, the part with the matching words, marked (the whole caption on hover). */
export function TileCaption({ caption, terms }: { caption: string | null; terms: readonly SearchTerm[] }) {
  if (caption === null) {
    return (
      <span className="tile-caption" data-testid="tile-caption">
        —
      </span>
    );
  }
  const shown = terms.length ? matchSnippet(caption, terms) : caption;
  return (
    <span className="tile-caption" data-testid="tile-caption" title={shown === caption ? undefined : caption}>
      {highlight(shown, terms).map((r, k) => (r.hit ? <mark key={k}>{r.text}</mark> : <span key={k}>{r.text}</span>))}
    </span>
  );
}
