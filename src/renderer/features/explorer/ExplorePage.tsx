/**
 * The caption explorer (`#/explore?run=ID`): pick a test image of the run's dataset or drop an
 * image file, pick a checkpoint, and re-decode while moving the temperature, top-k and beam
 * sliders (debounced); every word shows its probability and top-5 alternatives; retrieval both
 * ways beside it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DecodedCaption, RunRecord } from '../../../shared/api';
import { useApi, useApp } from '../../api/context';
import { formatFixed, formatNumber } from '../../lib/format';
import { hrefFor, replaceHash } from '../../app/route';
import { useApiQuery } from '../../api/queries';
import { isLmRun, useRunDataset } from '../datasets/run-dataset';
import { CaptionWords } from './CaptionWords';
import { ImagePicker } from './ImagePicker';
import { RetrievalPanel } from './RetrievalPanel';
import { CheckpointOptions } from '../../ui/CheckpointOptions';
import {
  DEFAULT_SETTINGS,
  LIMITS,
  decodeRequest,
  requestKey,
  type DecodeMethod,
  type DecodeRequest,
  type DecoderSettings,
  type ImageChoice,
} from './explore-state';
import './explorer.css';

/** Slider moves wait this long for the next move before a request goes out. */
export const DEBOUNCE_MS = 250;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function ExplorePage({ runId }: { runId: string | null }) {
  const runs = useApp((s) => s.runs);
  const runsLoaded = useApp((s) => s.runsLoaded);
  const lmRuns = useMemo(
    () =>
      Object.values(runs)
        .filter(isLmRun)
        .sort((a, b) => b.createdAt - a.createdAt),
    [runs],
  );
  const run = runId ? (runs[runId] ?? null) : null;

  return (
    <section className="panel explore-page" data-testid="explore-page" data-run-id={runId ?? ''} aria-labelledby="explore-title">
      <div className="panel-head">
        <h1 id="explore-title">Caption explorer</h1>
        <div className="spacer" />
        <label className="inline-control">
          Run
          <select
            value={runId ?? ''}
            onChange={(e) => replaceHash(hrefFor.explore(e.target.value || null))}
            data-testid="explore-run"
            aria-label="Language-model run"
          >
            <option value="">{lmRuns.length ? 'Choose a language-model run' : 'No language-model run yet'}</option>
            {lmRuns.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.preset}, {r.status})
              </option>
            ))}
          </select>
        </label>
        {run && (
          <a className="btn btn-small" href={hrefFor.run(run.id)}>
            Run page
          </a>
        )}
      </div>
      {runId === null ? (
        <p className="muted">Choose a language-model run (LBL, MLBL-B or MLBL-F) to caption images with its checkpoints.</p>
      ) : !run ? (
        <p className={runsLoaded ? 'error-text' : 'muted'} role={runsLoaded ? 'alert' : undefined}>
          {runsLoaded ? `No run with id ${runId}.` : 'Loading runs…'}
        </p>
      ) : !isLmRun(run) ? (
        <p className="error-text" role="alert">
          Run {run.name} is a {run.preset} run: the caption explorer needs a language model (LBL, MLBL-B, MLBL-F).
        </p>
      ) : (
        <Explorer key={run.id} run={run} />
      )}
    </section>
  );
}

function Explorer({ run }: { run: RunRecord }) {
  const api = useApi();
  const ds = useRunDataset(run);
  const [image, setImage] = useState<ImageChoice | null>(null);
  const [settings, setSettings] = useState<DecoderSettings>(DEFAULT_SETTINGS);
  const checkpoints = useApiQuery('runs.checkpoints', { id: run.id });
  const debounced = useDebounced(settings, DEBOUNCE_MS);
  const request = useMemo<DecodeRequest | null>(() => (image ? decodeRequest(run.id, image, debounced) : null), [run.id, image, debounced]);
  const key = request ? requestKey(request) : null;
  const [result, setResult] = useState<{ key: string; caption: DecodedCaption; request: DecodeRequest; ms: number } | null>(null);
  const [error, setError] = useState<{ key: string; message: string } | null>(null);
  const latest = useRef<string | null>(null);

  useEffect(() => {
    if (!request || !key) return;
    latest.current = key;
    const t0 = performance.now();
    api.call('runs.decode', request).then(
      (caption) => {
        if (latest.current !== key) return;
        setResult({ key, caption, request, ms: performance.now() - t0 });
        setError(null);
      },
      (err: unknown) => {
        if (latest.current !== key) return;
        setError({ key, message: err instanceof Error ? err.message : String(err) });
      },
    );
    // `key` stands for the request.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);

  const set = <K extends keyof DecoderSettings>(k: K, v: DecoderSettings[K]) => setSettings((s) => ({ ...s, [k]: v }));
  const method = settings.method;
  const shown = result && image ? result : null;
  const stale = shown !== null && shown.key !== key;
  // Waiting for the answer to the current request (the debounced settings included).
  const pending = key !== null && result?.key !== key && error?.key !== key ? key : null;

  return (
    <div className="explore-grid">
      <ImagePicker datasetId={ds.datasetId} value={image} onChange={setImage} />
      <div className="explore-right">
        <section className="panel-section decoder" aria-labelledby="decoder-title" data-testid="decoder">
          <h2 id="decoder-title">Decoder</h2>
          <div className="decoder-controls">
            <label className="inline-control">
              Checkpoint
              <select value={settings.checkpoint} onChange={(e) => set('checkpoint', e.target.value)} data-testid="explore-checkpoint" aria-label="Checkpoint">
                <CheckpointOptions checkpoints={checkpoints.data} />
              </select>
            </label>
            <fieldset className="method-choice">
              <legend className="sr-only">Decoding method</legend>
              {(['greedy', 'beam', 'sample'] as DecodeMethod[]).map((m) => (
                <label key={m} className="check">
                  <input type="radio" name="decode-method" value={m} checked={method === m} onChange={() => set('method', m)} data-testid={`method-${m}`} />{' '}
                  {m === 'sample' ? 'sampling' : m === 'beam' ? 'beam search' : 'greedy'}
                </label>
              ))}
            </fieldset>
          </div>
          {checkpoints.error && <p className="muted small">Checkpoints could not be listed ({checkpoints.error}); decoding uses the best one.</p>}
          <div className="sliders">
            <Slider
              label="Temperature"
              value={settings.temperature}
              {...LIMITS.temperature}
              disabled={method !== 'sample'}
              hint="sampling only"
              onChange={(v) => set('temperature', v)}
              testId="slider-temperature"
              format={(v) => formatFixed(v, 2)}
            />
            <Slider
              label="Top-k"
              value={settings.topK}
              {...LIMITS.topK}
              disabled={method !== 'sample'}
              hint="sampling only; 0 = all words"
              onChange={(v) => set('topK', v)}
              testId="slider-topk"
              format={(v) => (v === 0 ? 'all' : String(v))}
            />
            <Slider
              label="Beam width"
              value={settings.beam}
              {...LIMITS.beam}
              disabled={method !== 'beam'}
              hint="beam search only"
              onChange={(v) => set('beam', v)}
              testId="slider-beam"
              format={String}
            />
          </div>
          <div
            className="decoded"
            data-testid="decoded"
            aria-live="polite"
            aria-busy={pending !== null}
            data-pending={pending !== null}
            data-stale={stale}
            data-method={shown?.request.method ?? ''}
            data-temperature={shown?.request.temperature ?? ''}
            data-beam={shown?.request.beam ?? ''}
            data-topk={shown?.request.topK ?? ''}
          >
            {!image ? (
              <p className="muted">Pick an image to caption it.</p>
            ) : error && error.key === key ? (
              <p className="error-text" role="alert" data-testid="decode-error">
                Decoding failed: {error.message}
              </p>
            ) : shown ? (
              <>
                <CaptionWords words={shown.caption.words} />
                <p className="muted small" data-testid="decode-params">
                  {shown.request.method === 'sample'
                    ? `sampled at temperature ${formatFixed(shown.request.temperature, 2)}, top-k ${shown.request.topK || 'all'}, seed ${shown.request.seed}`
                    : shown.request.method === 'beam'
                      ? `beam search, width ${shown.request.beam}`
                      : 'greedy'}{' '}
                  · checkpoint: {shown.caption.checkpoint} · log p {formatNumber(shown.caption.logProb, 4)} · {Math.round(shown.ms)} ms
                  {stale || pending ? ' · updating…' : ''}
                </p>
              </>
            ) : (
              <p className="muted">Decoding…</p>
            )}
          </div>
        </section>
        <RetrievalPanel runId={run.id} checkpoint={settings.checkpoint} image={image} />
      </div>
    </div>
  );
}

function Slider({
  label,
  value,
  min,
  max,
  step,
  disabled,
  hint,
  onChange,
  testId,
  format,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  disabled: boolean;
  hint: string;
  onChange(v: number): void;
  testId: string;
  format(v: number): string;
}) {
  return (
    <label className={`slider${disabled ? ' slider-disabled' : ''}`}>
      <span className="slider-label">
        {label} <output className="mono">{format(value)}</output>
      </span>
      <input
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Number(e.target.value))}
        aria-label={label}
        aria-valuetext={format(value)}
        data-testid={testId}
      />
      <span className="muted small">{hint}</span>
    </label>
  );
}
