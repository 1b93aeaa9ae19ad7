/**
 * The run page's language-model panels: perplexity and BLEU curves, and the captions panel (for
 * each fixed validation image: its thumbnail, its references, the greedy and sampled captions
 * step by step, per-image BLEU), live through `run.sample`. Every run page also gets the export
 * buttons from here (captions only for language-model runs).
 */
import { useEffect, useId, useMemo, useState } from 'react';
import type { Events, MetricPoint, RunRecord, SampleRecord } from '../../../shared/api';
import { useApi, useApp } from '../../api/context';
import { formatFixed, formatNumber } from '../../lib/format';
import { useChartColors } from '../../app/theme';
import { hrefFor } from '../../app/route';
import { RunExport } from './RunExport';
import { MetricChart } from '../../ui/charts/MetricChart';
import type { ChartSeries } from '../../ui/charts/chart-data';
import { isLmRun, useKeyIndex, useRunDataset, useThumbnails } from '../datasets/run-dataset';
import { groupSamples, matchItemKey, type SampleImage, type SampleLike, type SampledCaption } from './samples';
import './run-page.css';

const NONE: MetricPoint[] = [];
/** Steps shown per image before "show all". */
const RECENT_STEPS = 6;

export function LmPanels({ run }: { run: RunRecord }) {
  if (!isLmRun(run)) return <RunExport run={run} />;
  return (
    <>
      <LmCurves run={run} />
      <CaptionsPanel run={run} />
      <RunExport run={run} />
    </>
  );
}

const BLEU_COLORS = ['#2f6fde', '#2e8b57', '#d9822b', '#c23b3b'];

/** Per-epoch metrics through the shared MetricChart (x = epoch, no smoothing), with a legend. */
function EpochChart({
  title,
  testId,
  metric,
  series,
  empty,
  logToggle = false,
}: {
  title: string;
  testId: string;
  metric: string;
  series: ChartSeries[];
  empty: string;
  logToggle?: boolean;
}) {
  const id = useId();
  const [log, setLog] = useState(false);
  const present = series.filter((s) => s.points.length > 0);
  return (
    <figure className="chart-card" data-testid={testId} data-points={present.reduce((n, s) => n + s.points.length, 0)} aria-labelledby={`${id}-t`}>
      <figcaption className="chart-head">
        <span className="chart-title" id={`${id}-t`}>
          {title}
        </span>
        <span className="chart-legend">
          {present.map((s) => (
            <span key={s.id} className="legend-item">
              <span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label}
            </span>
          ))}
        </span>
        {logToggle && (
          <label className="inline-control">
            <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> log scale
          </label>
        )}
      </figcaption>
      <MetricChart metric={metric} series={present} xAxis="epoch" smoothing={0} logScale={log} height={240} empty={empty} />
    </figure>
  );
}

function LmCurves({ run }: { run: RunRecord }) {
  const colors = useChartColors();
  const series = useApp((s) => (s.view && s.view.runId === run.id ? s.view.series : null));
  const pts = (k: string): MetricPoint[] => series?.[k] ?? NONE;
  const s = run.summary;
  const stat = (label: string, v: number | undefined, testId: string) => (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {formatNumber(v, 4)}
      </div>
    </div>
  );
  const lastVal = pts('val_perplexity').at(-1)?.value;
  return (
    <section className="panel-section lm-curves" aria-label="Language-model metrics" data-testid="lm-curves">
      <div className="stats">
        {stat('Validation perplexity', lastVal ?? s.val_perplexity, 'stat-val-perplexity')}
        {stat(
          'Best validation perplexity',
          s.best_val_perplexity ?? (pts('val_perplexity').length ? Math.min(...pts('val_perplexity').map((p) => p.value)) : undefined),
          'stat-best-perplexity',
        )}
        {stat('Test perplexity', s.test_perplexity, 'stat-test-perplexity')}
        {stat('Test BLEU-4', s.test_bleu4, 'stat-test-bleu4')}
        {stat('Vocabulary', s.vocabulary, 'stat-vocabulary')}
      </div>
      <div className="charts">
        <EpochChart
          title="Perplexity per epoch"
          testId="perplexity-chart"
          metric="val_perplexity"
          logToggle
          empty="Validation perplexity appears after epoch 0."
          series={[
            { id: 'val_perplexity', label: 'validation', points: pts('val_perplexity'), color: colors.main },
            { id: 'train_perplexity', label: 'training', points: pts('train_perplexity'), color: colors.alt },
          ]}
        />
        <EpochChart
          title="BLEU on validation images"
          testId="bleu-chart"
          metric="val_bleu"
          empty={bleuEmpty(run.spec.params)}
          series={[1, 2, 3, 4].map((n, i) => ({ id: `val_bleu${n}`, label: `BLEU-${n}`, points: pts(`val_bleu${n}`), color: BLEU_COLORS[i] as string }))}
        />
      </div>
    </section>
  );
}

const recordKey = (r: SampleLike): string =>
  `${r.step}|${r.kind}|${String((r.data as { slot?: unknown } | null)?.slot ?? '')}|${String((r.data as { image?: unknown } | null)?.image ?? '')}`;

/** Sample records of the run: the stored ones, then live `run.sample` events. */
function useSamples(runId: string): { records: SampleLike[]; error: string | null; loaded: boolean } {
  const api = useApi();
  const connected = useApp((s) => s.connection.status === 'open');
  const [state, setState] = useState<{ runId: string; records: SampleLike[]; error: string | null; loaded: boolean }>({
    runId,
    records: [],
    error: null,
    loaded: false,
  });

  useEffect(() => {
    let live = true;
    const seen = new Set<string>();
    let buffered: SampleLike[] = [];
    let loaded = false;
    const add = (list: SampleLike[]) => {
      const fresh = list.filter((r) => {
        const k = recordKey(r);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      if (fresh.length) setState((s) => (s.runId === runId ? { ...s, records: s.records.concat(fresh) } : s));
    };
    const off = api.on('run.sample', (e: Events['run.sample']) => {
      if (e.runId !== runId) return;
      const r = { step: e.step, epoch: e.epoch, kind: e.kind, text: e.text, data: e.data };
      if (loaded) add([r]);
      else buffered.push(r);
    });
    if (connected) {
      api.call('runs.samples', { id: runId, limit: 10_000 }).then(
        (rows: SampleRecord[]) => {
          if (!live) return;
          loaded = true;
          setState({ runId, records: [], error: null, loaded: true });
          add(rows.map((r) => ({ step: r.step, epoch: r.epoch, kind: r.kind, text: r.text, data: r.data })));
          add(buffered);
          buffered = [];
        },
        (err: unknown) => {
          if (live) setState((s) => ({ ...s, runId, error: err instanceof Error ? err.message : String(err), loaded: true }));
        },
      );
    }
    return () => {
      live = false;
      off();
    };
  }, [api, runId, connected]);
  return state.runId === runId ? state : { records: [], error: null, loaded: false };
}

function CaptionsPanel({ run }: { run: RunRecord }) {
  const { records, error, loaded } = useSamples(run.id);
  const images = useMemo(() => groupSamples(records), [records]);
  const ds = useRunDataset(run);
  const index = useKeyIndex(ds.datasetId);
  const itemIds = useMemo(() => images.map((im) => im.itemId ?? (index ? matchItemKey(im.image, index) : null)), [images, index]);
  const thumbs = useThumbnails(
    itemIds.filter((x): x is number => x !== null),
    160,
  );
  const lastStep = images.reduce((m, im) => Math.max(m, im.steps.at(-1)?.step ?? -1), -1);

  return (
    <section
      className="panel-section captions-panel"
      aria-labelledby="captions-title"
      data-testid="captions-panel"
      data-images={images.length}
      data-last-step={lastStep}
    >
      <div className="section-head">
        <h2 id="captions-title">Captions</h2>
        <span className="muted small">
          {images.length
            ? `${images.length} validation images, ${records.length} sampled captions, last at step ${lastStep}`
            : loaded
              ? 'No sampled captions yet: they appear at step 0 and every sampleEvery steps.'
              : 'Loading sampled captions…'}
        </span>
        <div className="spacer" />
        <a className="btn btn-small" href={hrefFor.explore(run.id)} data-testid="open-explorer">
          Open in the caption explorer
        </a>
      </div>
      {error && (
        <p className="error-text" role="alert">
          Sampled captions could not be loaded: {error}
        </p>
      )}
      {ds.datasetId === null && !ds.loading && images.length > 0 && (
        <p className="muted small">No thumbnails: the run’s captions file is not an imported dataset.</p>
      )}
      <div className="caption-cards">
        {images.map((im, i) => (
          <CaptionCard key={im.image || im.slot} image={im} thumb={itemIds[i] !== null ? thumbs.get(itemIds[i] as number) : undefined} />
        ))}
      </div>
    </section>
  );
}

function CaptionCard({ image, thumb }: { image: SampleImage; thumb: string | undefined }) {
  const [all, setAll] = useState(false);
  const latest = image.steps.at(-1);
  const shown = all ? image.steps : image.steps.slice(-RECENT_STEPS);
  const bleu = latest?.bleu;
  return (
    <article className="caption-card" data-testid="caption-card" data-image={image.image} data-steps={image.steps.length}>
      <div className="caption-card-head">
        {thumb ? (
          <img className="caption-thumb" src={thumb} alt={`Validation image ${image.image}`} data-testid="caption-thumb" />
        ) : (
          <div className="caption-thumb caption-thumb-missing" aria-hidden="true" />
        )}
        <div className="caption-card-main">
          <div className="mono small ellipsis" title={image.image}>
            {image.image}
          </div>
          <p className="caption-latest" data-testid="caption-latest-greedy">
            <span className="caption-tag">greedy</span> <CaptionText c={latest?.greedy ?? null} />
          </p>
          <p className="caption-latest caption-latest-sample" data-testid="caption-latest-sample">
            <span className="caption-tag caption-tag-alt">T = 1</span> <CaptionText c={latest?.sample ?? null} />
          </p>
          <p className="small muted" data-testid="caption-bleu">
            BLEU of the greedy caption (step {latest?.step ?? '—'}): {bleu ? bleu.map((b, i) => `B${i + 1} ${b.toFixed(3)}`).join(' · ') : '—'}
          </p>
        </div>
      </div>
      <details className="caption-refs">
        <summary>{image.references.length} reference captions</summary>
        <ul>
          {image.references.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      </details>
      <table className="caption-history" aria-label={`Captions of ${image.image} across steps`}>
        <thead>
          <tr>
            <th scope="col">step</th>
            <th scope="col">greedy</th>
            <th scope="col">sampled (T = 1)</th>
            <th scope="col" className="num">
              BLEU-1
            </th>
            <th scope="col" className="num">
              BLEU-4
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <tr key={s.step} data-testid="caption-step">
              <td className="mono">{s.step}</td>
              <td>{s.greedy?.text ?? '—'}</td>
              <td className="muted">{s.sample?.text ?? '—'}</td>
              <td className="num mono">{s.bleu ? formatFixed(s.bleu[0], 3) : '—'}</td>
              <td className="num mono">{s.bleu ? formatFixed(s.bleu[3], 3) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {image.steps.length > RECENT_STEPS && (
        <button type="button" className="btn btn-link btn-small" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? `Show the last ${RECENT_STEPS} steps` : `Show all ${image.steps.length} steps`}
        </button>
      )}
    </article>
  );
}

/** A caption whose words fade with their probability (hover: the probability). */
function CaptionText({ c }: { c: SampledCaption | null }) {
  if (!c) return <span className="muted">—</span>;
  if (c.words.length === 0) return <span>{c.text || '(empty)'}</span>;
  return (
    <span className="caption-words">
      {c.words
        .filter((w) => w.word !== '<end>')
        .map((w, i) => (
          <span key={i} className="cw" style={{ opacity: 0.35 + 0.65 * Math.min(1, w.p * 2) }} title={`p = ${formatFixed(w.p, 3)}`}>
            {w.word}{' '}
          </span>
        ))}
    </span>
  );
}

/** When BLEU first shows, in the run's own numbers (evalEvery 0: only at the end). */
function bleuEmpty(params: RunRecord['spec']['params']): string {
  const every = 'evalEvery' in params && typeof params.evalEvery === 'number' ? params.evalEvery : 0;
  return every > 0
    ? `BLEU is measured every ${every} ${every === 1 ? 'epoch' : 'epochs'} and at the end of training.`
    : 'BLEU is measured at the end of training.';
}
