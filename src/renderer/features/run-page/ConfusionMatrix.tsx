import { useMemo, useState, type CSSProperties } from 'react';
import type { Mistake } from '../../../shared/classifier-metrics';
import type { ArtefactRecord } from '../../../shared/api';
import type { ConfusionReport } from '../../../shared/convnet-spec';
import { formatInt, formatNumber, formatPercent } from '../../lib/format';
import { useApiQuery } from '../../api/queries';
import './run-page.css';

/** The test-split confusion matrix of a finished ConvNet run, when it wrote one. */
export function ConfusionPanel({ runId, artefacts }: { runId: string; artefacts: ArtefactRecord[] }) {
  const latest = artefacts.at(-1);
  const q = useApiQuery('runs.confusion', latest ? { id: runId, artefactId: latest.id } : null);
  if (!latest) return null;
  return (
    <section className="panel-section" aria-labelledby="confusion-title" data-testid="confusion-panel">
      <div className="section-head">
        <h2 id="confusion-title">Confusion matrix</h2>
        {q.data && (
          <span className="muted small" data-testid="confusion-summary">
            test split · {formatInt(q.data.count)} images · accuracy <strong data-testid="confusion-accuracy">{formatPercent(q.data.accuracy, 2)}</strong> ·
            loss {formatNumber(q.data.loss)} · epoch {q.data.epoch}
          </span>
        )}
      </div>
      {q.error && <p className="error-text">Could not load the confusion matrix: {q.error}</p>}
      {q.loading && !q.data && <p className="muted">Loading the confusion matrix…</p>}
      {q.data && <ConfusionWithMistakes report={q.data} />}
    </section>
  );
}

type Cell = { truth: string; predicted: string } | null;

/** The matrix and, for a dataset run, its misclassified test images; an off-diagonal cell shows only its own. */
function ConfusionWithMistakes({ report }: { report: ConfusionReport }) {
  const [cell, setCell] = useState<Cell>(null);
  return (
    <>
      <ConfusionHeatmap report={report} onSelect={report.mistakes ? setCell : undefined} selected={cell} />
      {report.mistakes && <MistakesList mistakes={report.mistakes} cell={cell} onClear={() => setCell(null)} />}
    </>
  );
}

const SHOWN = 24;

/** Misclassified test images with their true and predicted class and the confidence, most confident first. */
export function MistakesList({ mistakes, cell, onClear }: { mistakes: Mistake[]; cell: Cell; onClear(): void }) {
  const list = useMemo(() => mistakes.filter((m) => !cell || (m.truth === cell.truth && m.predicted === cell.predicted)).slice(0, SHOWN), [mistakes, cell]);
  const ids = list.map((m) => m.itemId).filter((id): id is number => id !== null);
  const thumbs = useApiQuery('datasets.thumbnails', ids.length ? { itemIds: ids, size: 96 } : null);
  const byId = new Map((thumbs.data?.thumbnails ?? []).map((t) => [t.itemId, t]));
  return (
    <div className="mistakes" data-testid="mistakes">
      <h3 className="subhead">
        Mistakes{cell ? `: true ${cell.truth}, predicted ${cell.predicted}` : ''}{' '}
        <span className="muted small">
          {list.length} shown of {cell ? mistakes.filter((m) => m.truth === cell.truth && m.predicted === cell.predicted).length : mistakes.length}
        </span>
        {cell && (
          <button type="button" className="btn btn-link btn-small" onClick={onClear} data-testid="mistakes-all">
            show all
          </button>
        )}
      </h3>
      {list.length === 0 ? (
        <p className="muted small">No misclassified test images{cell ? ' in this cell' : ''}.</p>
      ) : (
        <ul className="mistake-grid" data-testid="mistake-list">
          {list.map((m) => {
            const t = m.itemId !== null ? byId.get(m.itemId) : undefined;
            return (
              <li key={m.index} className="mistake" data-testid="mistake">
                {t ? <img src={t.dataUrl} alt={m.path} width={t.width} height={t.height} /> : <span className="mistake-noimg muted small">{m.path}</span>}
                <span className="small">
                  true <strong>{m.truth}</strong>, predicted <strong>{m.predicted}</strong> ({formatPercent(m.confidence, 1)})
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The largest off-diagonal cells: which classes are taken for which. */
export function topConfusions(report: ConfusionReport, n = 3): { truth: string; predicted: string; count: number }[] {
  const out: { truth: string; predicted: string; count: number }[] = [];
  report.matrix.forEach((row, t) =>
    row.forEach((count, p) => {
      if (t !== p && count > 0) out.push({ truth: report.labels[t] ?? String(t), predicted: report.labels[p] ?? String(p), count });
    }),
  );
  return out.sort((a, b) => b.count - a.count).slice(0, n);
}

export function ConfusionHeatmap({ report, onSelect, selected }: { report: ConfusionReport; onSelect?: (c: Cell) => void; selected?: Cell }) {
  const { labels, matrix, perClass } = report;
  const worst = topConfusions(report);
  return (
    <div className="confusion-layout">
      <div className="table-wrap">
        <table className="confusion-table" data-testid="confusion-table" data-classes={labels.length}>
          <caption className="sr-only">Rows: true class; columns: predicted class; cells: test images; shading: share of the row.</caption>
          <thead>
            <tr>
              <th scope="col" className="confusion-corner">
                <span className="muted small">true ↓ · predicted →</span>
              </th>
              {labels.map((l) => (
                <th key={l} scope="col" className="confusion-label">
                  {l}
                </th>
              ))}
              <th scope="col" className="num">
                Images
              </th>
              <th scope="col" className="num">
                Accuracy
              </th>
            </tr>
          </thead>
          <tbody>
            {matrix.map((row, t) => {
              const total = row.reduce((a, b) => a + b, 0);
              const pc = perClass[t];
              const label = labels[t] ?? String(t);
              return (
                <tr key={t} data-testid={`confusion-row-${t}`}>
                  <th scope="row" className="confusion-label">
                    {label}
                  </th>
                  {row.map((count, p) => {
                    const share = total > 0 ? count / total : 0;
                    const style = { '--heat': share.toFixed(3) } as CSSProperties;
                    return (
                      <td
                        key={p}
                        className={`confusion-cell${t === p ? ' confusion-diag' : ''}${share > 0.55 ? ' confusion-strong' : ''}`}
                        style={style}
                        title={`true ${label}, predicted ${labels[p] ?? p}: ${count} (${formatPercent(share, 1)} of the ${label}s)`}
                      >
                        {count > 0 && onSelect && t !== p ? (
                          <button
                            type="button"
                            className={`btn btn-link confusion-link${selected?.truth === label && selected.predicted === (labels[p] ?? String(p)) ? ' confusion-picked' : ''}`}
                            onClick={() => onSelect({ truth: label, predicted: labels[p] ?? String(p) })}
                            data-testid={`confusion-cell-${t}-${p}`}
                            aria-label={`show the ${count} test images of class ${label} predicted as ${labels[p] ?? p}`}
                          >
                            {count}
                          </button>
                        ) : count > 0 ? (
                          count
                        ) : (
                          ''
                        )}
                      </td>
                    );
                  })}
                  <td className="num">{total}</td>
                  <td className="num class-accuracy" data-testid={`class-accuracy-${t}`}>
                    <span className="acc-bar" aria-hidden="true">
                      <span style={{ width: `${Math.round((pc?.accuracy ?? 0) * 100)}%` }} />
                    </span>
                    {formatPercent(pc?.accuracy ?? 0, 1)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {worst.length > 0 && (
        <div className="confusion-worst">
          <h3 className="subhead">Most confused</h3>
          <ul data-testid="confusion-worst">
            {worst.map((w) => (
              <li key={`${w.truth}-${w.predicted}`}>
                <strong>{w.truth}</strong> taken for <strong>{w.predicted}</strong>: {w.count}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
