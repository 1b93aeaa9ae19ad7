import { useEffect, useRef, useState } from 'react';
import type { ArtefactRecord, FilterSnapshot } from '../../../shared/api';
import { useAppActions } from '../../api/context';
import type { SnapshotState } from '../../api/store';
import './run-page.css';

interface Props {
  filters: ArtefactRecord[];
  snapshots: Record<number, SnapshotState>;
}

/** First conv layer's filters, one small canvas each, with a slider over the epochs' snapshots. */
export function FilterViewer({ filters, snapshots }: Props) {
  const { loadSnapshot } = useAppActions();
  // null = follow the newest snapshot as new ones arrive.
  const [picked, setPicked] = useState<number | null>(null);
  const index = picked === null ? filters.length - 1 : Math.min(picked, filters.length - 1);
  const artefact = filters[index];
  const artefactId = artefact?.id;

  useEffect(() => {
    if (artefactId !== undefined) void loadSnapshot(artefactId);
  }, [artefactId, loadSnapshot]);

  const state = artefactId !== undefined ? snapshots[artefactId] : undefined;

  return (
    <section className="panel-section" aria-labelledby="filters-title" data-testid="filters-panel" data-snapshots={filters.length}>
      <div className="section-head">
        <h2 id="filters-title">First conv layer filters</h2>
        {filters.length > 0 && artefact && (
          <label className="inline-control">
            <span>
              Epoch <strong data-testid="filters-epoch">{artefact.epoch}</strong>
            </span>
            <input
              type="range"
              min={0}
              max={Math.max(0, filters.length - 1)}
              step={1}
              value={index}
              disabled={filters.length < 2}
              onChange={(e) => {
                const v = Number(e.target.value);
                setPicked(v >= filters.length - 1 ? null : v);
              }}
              aria-label="Filter snapshot epoch"
              aria-valuetext={`epoch ${artefact.epoch}`}
              data-testid="filters-slider"
            />
            <span className="muted small">
              {index + 1} / {filters.length}
            </span>
          </label>
        )}
      </div>
      {filters.length === 0 && <p className="muted">A snapshot of the filters is saved after each epoch.</p>}
      {state?.status === 'loading' && <p className="muted">Loading filters…</p>}
      {state?.status === 'error' && <p className="error-text">Could not load the filters: {state.error}</p>}
      {state?.status === 'ready' && <FilterGrid snapshot={state.snapshot} />}
    </section>
  );
}

function FilterGrid({ snapshot }: { snapshot: FilterSnapshot }) {
  const [kh, kw] = snapshot.kernel;
  const scale = Math.max(3, Math.round(64 / Math.max(kh, kw)));
  const channelText = snapshot.channels === 1 ? '1 channel' : `${snapshot.channels} channels${snapshot.channels === 3 ? '' : ', averaged'}`;
  return (
    <>
      <p className="muted small">
        {snapshot.count} filters · {kh}×{kw} · {channelText}
      </p>
      <div className="filter-grid" data-testid="filter-grid" data-count={snapshot.filters.length}>
        {snapshot.filters.map((values, i) => (
          <FilterCanvas key={i} index={i} values={values} kh={kh} kw={kw} channels={snapshot.channels} scale={scale} />
        ))}
      </div>
    </>
  );
}

function FilterCanvas({
  index,
  values,
  kh,
  kw,
  channels,
  scale,
}: {
  index: number;
  values: number[];
  kh: number;
  kw: number;
  channels: number;
  scale: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(kw, kh);
    const byte = (v: number | undefined) => Math.round(255 * Math.min(1, Math.max(0, v ?? 0)));
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const base = (y * kw + x) * channels;
        const o = (y * kw + x) * 4;
        if (channels === 3) {
          img.data[o] = byte(values[base]);
          img.data[o + 1] = byte(values[base + 1]);
          img.data[o + 2] = byte(values[base + 2]);
        } else {
          let sum = 0;
          for (let c = 0; c < channels; c++) sum += values[base + c] ?? 0;
          const g = byte(sum / Math.max(1, channels));
          img.data[o] = g;
          img.data[o + 1] = g;
          img.data[o + 2] = g;
        }
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }, [values, kh, kw, channels]);
  return (
    <figure className="filter-cell">
      <canvas
        ref={ref}
        width={kw}
        height={kh}
        className="filter-canvas"
        style={{ width: kw * scale, height: kh * scale }}
        role="img"
        aria-label={`Filter ${index + 1}`}
      />
      <figcaption className="small muted">{index + 1}</figcaption>
    </figure>
  );
}
