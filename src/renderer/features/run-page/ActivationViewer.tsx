import { useState, type FormEvent } from 'react';
import type { ArtefactRecord } from '../../../shared/api';
import { activationsQueryFields, type ActivationMaps, type CheckpointChoice } from '../../../shared/convnet-spec';
import { useApi } from '../../api/context';
import { formatNumber, formatPercent } from '../../lib/format';
import { useLoaderQuery } from '../../api/queries';
import { Field } from '../../ui/form/Field';
import { MapCanvas } from '../playground/MapCanvas';
import { zoomFor } from '../playground/map-image';
import './run-page.css';

const SPLIT_SIZE = { test: 10_000, train: 60_000 } as const;
type Split = keyof typeof SPLIT_SIZE;

/** Parses the typed image index with the API's own schema; null + message when it is not one. */
export function parseImageIndex(text: string, split: Split): { value: number | null; error: string | null } {
  const t = text.trim();
  if (t === '') return { value: null, error: 'Image index is required' };
  if (!/^\d+$/.test(t)) return { value: null, error: 'Image index must be a whole number' };
  const parsed = activationsQueryFields.imageIndex.safeParse(Number(t));
  const max = SPLIT_SIZE[split] - 1;
  if (!parsed.success || parsed.data > max) return { value: null, error: `Image index must be between 0 and ${max} (the MNIST ${split} split)` };
  return { value: parsed.data, error: null };
}

const checkpointLabel = (a: ArtefactRecord): string => {
  const best = Boolean((a.meta as { best?: boolean }).best);
  const reason = (a.meta as { reason?: string }).reason === 'stop' ? ', at the stop' : '';
  return `epoch ${a.epoch}${best ? ' (best)' : ''}${reason}`;
};

/** Activation maps of every conv layer for one MNIST image, from a checkpoint (`runs.activations`, computed on demand). */
export function ActivationViewer({ runId, checkpoints }: { runId: string; checkpoints: ArtefactRecord[] }) {
  const api = useApi();
  const [indexText, setIndexText] = useState('0');
  const [split, setSplit] = useState<Split>('test');
  const [choice, setChoice] = useState<string>('best');
  const [shown, setShown] = useState<{ index: number; split: Split; checkpoint: CheckpointChoice } | null>(null);
  const parsed = parseImageIndex(indexText, split);
  const checkpoint: CheckpointChoice = choice === 'best' || choice === 'last' ? choice : Number(choice);

  const key = shown ? `act:${runId}:${shown.split}:${shown.index}:${String(shown.checkpoint)}` : null;
  const q = useLoaderQuery(key ? [key] : null, () => {
    const s = shown as NonNullable<typeof shown>;
    return api.call('runs.activations', { id: runId, imageIndex: s.index, split: s.split, checkpoint: s.checkpoint });
  });

  const show = (index: number) => setShown({ index, split, checkpoint });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (parsed.value !== null) show(parsed.value);
  };
  const step = (delta: number) => {
    const base = parsed.value ?? shown?.index ?? 0;
    const next = Math.min(SPLIT_SIZE[split] - 1, Math.max(0, base + delta));
    setIndexText(String(next));
    show(next);
  };

  return (
    <section className="panel-section" aria-labelledby="activations-title" data-testid="activations-panel">
      <div className="section-head">
        <h2 id="activations-title">Activation maps</h2>
        <span className="muted small">every conv layer&apos;s output for one image, each map scaled to its own range</span>
      </div>
      {checkpoints.length === 0 ? (
        <p className="muted" data-testid="activations-waiting">
          Needs a checkpoint: one is written after each epoch (unless the run sets checkpointEvery to 0).
        </p>
      ) : (
        <form className="activation-controls" onSubmit={onSubmit} noValidate>
          <Field name="imageIndex" label="Image index" error={parsed.error ?? undefined} testId="activation-index" errorTestId="activation-index-error" inline>
            {(c) => <input {...c} type="text" inputMode="numeric" autoComplete="off" value={indexText} onChange={(e) => setIndexText(e.target.value)} />}
          </Field>
          <Field name="split" label="Split" testId="activation-split" inline>
            {(c) => (
              <select {...c} value={split} onChange={(e) => setSplit(e.target.value as Split)}>
                <option value="test">MNIST test</option>
                <option value="train">MNIST train</option>
              </select>
            )}
          </Field>
          <Field name="checkpoint" label="Checkpoint" testId="activation-checkpoint" inline>
            {(c) => (
              <select {...c} value={choice} onChange={(e) => setChoice(e.target.value)}>
                <option value="best">best</option>
                <option value="last">last</option>
                {checkpoints.map((ck) => (
                  <option key={ck.id} value={String(ck.id)}>
                    {checkpointLabel(ck)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-primary" disabled={parsed.value === null} data-testid="activation-show">
            Show activations
          </button>
          <button type="button" className="btn" onClick={() => step(-1)} aria-label="Previous image" disabled={(parsed.value ?? 0) <= 0}>
            ←
          </button>
          <button type="button" className="btn" onClick={() => step(1)} aria-label="Next image">
            →
          </button>
        </form>
      )}
      {shown && q.loading && (
        <p className="muted" role="status" data-testid="activations-loading">
          Computing the activations of image {shown.index}… (the first request starts an engine process)
        </p>
      )}
      {q.error && (
        <p className="error-text" role="alert" data-testid="activations-error">
          Could not compute the activations: {q.error}
        </p>
      )}
      {q.data && <ActivationMapsView maps={q.data} stale={!q.fresh} />}
    </section>
  );
}

function ActivationMapsView({ maps, stale }: { maps: ActivationMaps; stale: boolean }) {
  const [h, w, c] = [maps.image.shape[0] ?? 1, maps.image.shape[1] ?? 1, maps.image.shape[2] ?? 1];
  const grey =
    c === 1
      ? maps.image.values
      : Array.from({ length: h * w }, (_, i) => {
          let s = 0;
          for (let k = 0; k < c; k++) s += maps.image.values[i * c + k] ?? 0;
          return s / c;
        });
  const correct = maps.label === maps.prediction;
  const top = maps.probabilities[maps.prediction] ?? 0;
  return (
    <div className={`activations${stale ? ' stale' : ''}`} data-testid="activations" data-layers={maps.layers.length} data-image-index={maps.imageIndex}>
      <div className="activation-input">
        <MapCanvas
          values={grey}
          height={h}
          width={w}
          colouring="unit"
          zoom={zoomFor(h, w, 112)}
          label={`${maps.split} image ${maps.imageIndex}, label ${maps.label}`}
          testId="activation-image"
        />
        <div>
          <p className="activation-verdict">
            Image <strong>{maps.imageIndex}</strong> of the {maps.split} split · label <strong data-testid="activation-label">{maps.label}</strong> · predicted{' '}
            <strong data-testid="activation-prediction">{maps.prediction}</strong> ({formatPercent(top, 1)}){' '}
            <span className={correct ? 'ok' : 'error-text'}>{correct ? '✓ correct' : '✗ wrong'}</span>
          </p>
          <p className="muted small">
            Checkpoint of epoch {maps.checkpoint.epoch}
            {maps.checkpoint.best ? ' (best)' : ''}, step {maps.checkpoint.steps}
          </p>
          <ol className="prob-bars" aria-label="Class probabilities" start={0}>
            {maps.probabilities.map((p, k) => (
              <li key={k} className={k === maps.prediction ? 'prob-top' : undefined}>
                <span className="prob-class">{k}</span>
                <span className="prob-bar" aria-hidden="true">
                  <span style={{ width: `${Math.max(0, Math.min(100, p * 100))}%` }} />
                </span>
                <span className="prob-value">{formatPercent(p, 1)}</span>
              </li>
            ))}
          </ol>
        </div>
      </div>
      {maps.layers.length === 0 && <p className="muted">This stack has no conv layers.</p>}
      {maps.layers.map((layer) => {
        const lh = layer.shape.length === 3 ? (layer.shape[0] as number) : 1;
        const lw = layer.shape.length === 3 ? (layer.shape[1] as number) : (layer.shape[0] as number);
        const zoom = zoomFor(lh, lw, 64);
        const dead = layer.ranges.filter(([lo, hi]) => lo === hi).length;
        return (
          <div key={layer.name} className="activation-layer" data-testid={`activation-layer-${layer.name}`} data-maps={layer.maps.length}>
            <h3 className="subhead">
              <span className="mono">{layer.name}</span>{' '}
              <span className="muted small">
                · {layer.shape.join('×')} · {layer.maps.length} maps{dead ? ` · ${dead} constant (dead)` : ''}
              </span>
            </h3>
            <div className="map-grid">
              {layer.maps.map((values, k) => {
                const [lo, hi] = layer.ranges[k] ?? [0, 0];
                return (
                  <figure
                    key={k}
                    className={`map-cell${lo === hi ? ' map-dead' : ''}`}
                    title={`map ${k + 1}: raw range ${formatNumber(lo, 3)} … ${formatNumber(hi, 3)}`}
                  >
                    <MapCanvas values={values} height={lh} width={lw} colouring="unit" zoom={zoom} label={`${layer.name} map ${k + 1}`} />
                    <figcaption className="small muted">{k + 1}</figcaption>
                  </figure>
                );
              })}
            </div>
          </div>
        );
      })}
    </div>
  );
}
