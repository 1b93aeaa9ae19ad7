import { useMemo } from 'react';
import { LM_MODELS } from '../../../shared/lm-spec';
import { formatNumber } from '../../lib/format';
import { groupSamples, type SampleImage } from '../run-page/samples';
import type { CompareRun } from './use-compare-data';
import './compare.css';

interface Row {
  image: string;
  references: string[];
  /** Per run (same order as the page's runs): its latest greedy caption of this image, or null. */
  latest: ({ text: string; step: number; bleu: number | null } | null)[];
}

/** Rows for the images any language-model run sampled: the latest greedy caption of each run, side by side. */
export function captionRows(perRun: readonly (SampleImage[] | null)[]): Row[] {
  const order: string[] = [];
  const refs = new Map<string, string[]>();
  for (const images of perRun) {
    for (const im of images ?? []) {
      const key = im.image || `slot ${im.slot}`;
      if (!refs.has(key)) {
        order.push(key);
        refs.set(key, im.references);
      }
    }
  }
  return order.map((image) => ({
    image,
    references: refs.get(image) ?? [],
    latest: perRun.map((images) => {
      const im = images?.find((x) => (x.image || `slot ${x.slot}`) === image);
      const st = im ? [...im.steps].reverse().find((s) => s.greedy) : undefined;
      return st?.greedy ? { text: st.greedy.text, step: st.step, bleu: st.bleu?.[3] ?? null } : null;
    }),
  }));
}

/** The latest sampled caption of the same validation image from each language-model run. */
export function CompareCaptions({ runs, colorOf }: { runs: readonly CompareRun[]; colorOf(i: number): string }) {
  const lmIdx = runs.map((r, i) => (r.run && (LM_MODELS as readonly string[]).includes(r.run.preset) ? i : -1)).filter((i) => i >= 0);
  const rows = useMemo(
    () => captionRows(runs.map((r) => (r.run && (LM_MODELS as readonly string[]).includes(r.run.preset) ? groupSamples(r.samples) : null))),
    [runs],
  );
  if (lmIdx.length === 0) return null;
  return (
    <section className="panel-section" aria-labelledby="compare-captions" data-testid="compare-captions">
      <div className="section-head">
        <h2 id="compare-captions">Captions of the same images</h2>
        <span className="muted small">latest greedy caption each run sampled for its fixed validation images (BLEU-4 against the references)</span>
      </div>
      {rows.length === 0 ? (
        <p className="muted">No captions sampled yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="mini-table compare-table compare-captions">
            <thead>
              <tr>
                <th scope="col">Image</th>
                {lmIdx.map((i) => (
                  <th key={runs[i]?.id} scope="col">
                    <span className="swatch" style={{ background: colorOf(i) }} aria-hidden="true" /> {runs[i]?.run?.name || runs[i]?.id}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.image} data-testid="compare-caption-row">
                  <th scope="row">
                    <span className="mono small">{row.image}</span>
                    {row.references[0] && (
                      <span className="muted small compare-ref" title={row.references.join('\n')}>
                        ref: {row.references[0]}
                      </span>
                    )}
                  </th>
                  {lmIdx.map((i) => {
                    const c = row.latest[i];
                    return (
                      <td key={runs[i]?.id}>
                        {c ? (
                          <>
                            <span className="compare-caption">{c.text}</span>
                            <span className="muted small">
                              {' '}
                              step {c.step}
                              {c.bleu !== null && ` · BLEU-4 ${formatNumber(c.bleu, 3)}`}
                            </span>
                          </>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
