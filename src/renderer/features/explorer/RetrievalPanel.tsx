import { useState, type FormEvent } from 'react';
import { formatNumber } from '../../lib/format';
import { useApiQuery } from '../../api/queries';
import { useThumbnails } from '../datasets/run-dataset';
import type { ImageChoice } from './explore-state';
import './explorer.css';

/**
 * Retrieval with the run's model (MODELS.md): the test split's captions that fit the chosen image
 * best, and the test images that fit a typed sentence best (lower score = better: a perplexity
 * or a perplexity ratio).
 */
export function RetrievalPanel({ runId, checkpoint, image }: { runId: string; checkpoint: string; image: ImageChoice | null }) {
  const itemId = image?.kind === 'item' ? image.itemId : null;
  const byImage = useApiQuery('runs.retrieve', itemId !== null ? { id: runId, checkpoint, itemId, split: 'test', limit: 10 } : null);
  const [sentence, setSentence] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const bySentence = useApiQuery('runs.retrieve', asked ? { id: runId, checkpoint, sentence: asked, split: 'test', limit: 10 } : null);
  const hits = bySentence.data && bySentence.fresh ? bySentence.data : [];
  const thumbs = useThumbnails(
    hits.map((h) => h.itemId),
    128,
  );

  const onAsk = (e: FormEvent) => {
    e.preventDefault();
    const s = sentence.trim();
    setAsked(s === '' ? null : s);
  };

  return (
    <section className="panel-section retrieval" aria-labelledby="retrieval-title" data-testid="retrieval-panel">
      <h2 id="retrieval-title">Retrieval</h2>
      <div className="retrieval-cols">
        <div>
          <h3 className="subhead">Captions for this image</h3>
          {itemId === null ? (
            <p className="muted small">{image ? 'Retrieval works on dataset images: pick one from the grid.' : 'Pick an image.'}</p>
          ) : byImage.error ? (
            <p className="error-text" role="alert" data-testid="retrieve-image-error">
              {byImage.error}
            </p>
          ) : byImage.loading ? (
            <p className="muted small">Ranking the test captions…</p>
          ) : (
            <ol className="hit-list" data-testid="retrieve-captions">
              {(byImage.data ?? []).map((h, i) => (
                <li key={i}>
                  <span>{h.caption ?? h.image}</span> <span className="muted small mono">{formatNumber(h.score, 3)}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
        <div>
          <h3 className="subhead">Images for a sentence</h3>
          <form className="input-row" onSubmit={onAsk}>
            <input
              type="search"
              value={sentence}
              onChange={(e) => setSentence(e.target.value)}
              placeholder="a dog runs through the grass"
              aria-label="Sentence to find images for"
              maxLength={2000}
              data-testid="retrieve-sentence"
            />
            <button type="submit" className="btn" data-testid="retrieve-sentence-go">
              Find images
            </button>
          </form>
          {bySentence.error ? (
            <p className="error-text" role="alert" data-testid="retrieve-sentence-error">
              {bySentence.error}
            </p>
          ) : asked && bySentence.loading ? (
            <p className="muted small">Ranking the test images…</p>
          ) : (
            <ol className="hit-grid" data-testid="retrieve-images">
              {hits.map((h) => (
                <li key={h.itemId} title={h.image}>
                  {thumbs.get(h.itemId) ? <img src={thumbs.get(h.itemId)} alt={h.image} /> : <span className="mono small">{h.image}</span>}
                  <span className="muted small mono">{formatNumber(h.score, 3)}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </section>
  );
}
