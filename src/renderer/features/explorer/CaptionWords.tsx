import { formatFixed } from '../../lib/format';
import { Fragment, useId } from 'react';
import type { CaptionWord } from '../../../shared/api';
import { wordOpacity } from './explore-state';
import './explorer.css';

/**
 * A decoded caption, word by word: each word's opacity and underline show its probability; on
 * hover or keyboard focus a popup lists the five most probable words at that position.
 */
export function CaptionWords({ words }: { words: CaptionWord[] }) {
  const base = useId();
  const shown = words.filter((w) => w.word !== '<end>');
  const end = words.find((w) => w.word === '<end>');
  return (
    <p className="caption-words-big" data-testid="caption-words">
      {shown.map((w, i) => {
        const tip = `${base}-w${i}`;
        return (
          <Fragment key={i}>
            <span className="cw-wrap">
              <span
                className="cw-word"
                tabIndex={0}
                style={{ opacity: wordOpacity(w.p), textDecorationThickness: `${Math.max(1, Math.round(w.p * 4))}px` }}
                aria-describedby={tip}
                data-testid="caption-word"
                data-p={formatFixed(w.p, 4)}
              >
                {w.word}
              </span>
              <span role="tooltip" id={tip} className="cw-pop">
                <span className="cw-pop-head">
                  “{w.word}” p = {formatFixed(w.p, 3)}
                </span>
                <span className="cw-pop-list">
                  {w.top.slice(0, 5).map((t, j) => (
                    <span key={j} className={`cw-alt${t.word === w.word ? ' cw-alt-chosen' : ''}`}>
                      <span className="cw-alt-word">{t.word}</span>
                      <span className="cw-alt-bar" style={{ width: `${Math.round(t.p * 100)}%` }} aria-hidden="true" />
                      <span className="cw-alt-p mono">{formatFixed(t.p, 3)}</span>
                    </span>
                  ))}
                </span>
              </span>
            </span>{' '}
          </Fragment>
        );
      })}
      {end ? (
        <span className="muted small" title={`p(<end>) = ${formatFixed(end.p, 3)}`}>
          ⏎
        </span>
      ) : (
        <span className="muted small" title="the maximum length was reached before <end>">
          …
        </span>
      )}
    </p>
  );
}
