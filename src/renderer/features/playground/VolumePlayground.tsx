import { useEffect, useMemo, useRef, useState } from 'react';
import { KERNEL_PRESETS, parseMatrix, valueRange, type Grid } from '../../../shared/convolve';
import { convolveVolume, type FilterChannels, type Volume, type VolumeResult } from '../../../shared/convolve-volume';
import { Conv2dSchema } from '../../../shared/layer-spec';
import { formatInt, formatNumber } from '../../lib/format';
import { humanize } from '../../ui/form/zod-messages';
import { Field } from '../../ui/form/Field';
import { num, size2d, type PaddingMode } from '../new-run/stack-form';
import { MapCanvas } from './MapCanvas';
import { PaddingField } from './PaddingField';
import { zoomFor } from './map-image';
import { colourScene } from './playground-images';
import './playground.css';

const SCENE = colourScene(32);
const FRAME_PX = 192;
const MAX_FILTERS = 8;
const CHANNEL_LABELS = ['R', 'G', 'B'];

interface FilterDraft {
  id: number;
  kernelText: string;
  channels: FilterChannels;
}

const preset = (id: string): string => KERNEL_PRESETS.find((p) => p.id === id)?.text ?? '[1]';

/** The lecture's edge kernel over all channels, its quarter turn, and a blur of the red channel alone. */
const START: readonly Omit<FilterDraft, 'id'>[] = [
  { kernelText: preset('sobel'), channels: 'all' },
  { kernelText: preset('sobel-h'), channels: 'all' },
  { kernelText: preset('blur'), channels: 0 },
];

export interface VolumeComputed {
  result: VolumeResult | null;
  /** Per filter: its kernel's message, or null. */
  kernelErrors: (string | null)[];
  strideError: string | null;
  paddingError: string | null;
  error: string | null;
}

/** Parses the filters and the layer's stride and padding (the shared conv2d schema), then convolves the volume. */
export function computeVolume(
  input: Volume,
  filters: readonly Omit<FilterDraft, 'id'>[],
  strideText: string,
  mode: PaddingMode,
  zeros: string,
): VolumeComputed {
  const kernels = filters.map((f) => parseMatrix(f.kernelText));
  const kernelErrors = kernels.map((k, i) => (k.ok ? null : `Filter ${i + 1}: ${k.error}`));
  const first = kernels[0];
  const layer = Conv2dSchema.safeParse({
    type: 'conv2d',
    filters: Math.max(1, filters.length),
    kernel: first?.ok ? [first.matrix.height, first.matrix.width] : 1,
    stride: size2d(strideText),
    padding: mode === 'zeros' ? (num(zeros) ?? NaN) : mode,
    activation: 'linear',
  });
  const fieldError = (field: 'stride' | 'padding'): string | null => {
    if (layer.success) return null;
    const issue = layer.error.issues.find((i) => i.path[0] === field);
    return issue ? `${field === 'stride' ? 'Stride' : 'Padding'}: ${humanize(issue.message)}` : null;
  };
  const out: VolumeComputed = { result: null, kernelErrors, strideError: fieldError('stride'), paddingError: fieldError('padding'), error: null };
  if (!layer.success || kernelErrors.some((e) => e !== null)) return out;
  try {
    const stride = layer.data.stride;
    const parsed = filters.map((f, i) => ({ kernel: (kernels[i] as { ok: true; matrix: Grid }).matrix, channels: f.channels }));
    return { ...out, result: convolveVolume(input, parsed, typeof stride === 'number' ? stride : [stride[0], stride[1]], layer.data.padding) };
  } catch (e) {
    return { ...out, error: (e as Error).message };
  }
}

/** Decodes an image file into a size x size RGB volume (stretched), through a canvas. */
async function decodeToVolume(file: File, size: number): Promise<Volume> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot decode images here (no 2-D canvas)');
  ctx.drawImage(bitmap, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const values: number[] = [];
  for (let i = 0; i < rgba.length; i += 4) values.push((rgba[i] as number) / 255, (rgba[i + 1] as number) / 255, (rgba[i + 2] as number) / 255);
  return { height: size, width: size, channels: 3, values };
}

/** The RGB input drawn as it is (one canvas pixel per image pixel, scaled up without smoothing). */
function RgbCanvas({ volume, zoom }: { volume: Volume; zoom: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(volume.width, volume.height);
    for (let i = 0; i < volume.height * volume.width; i++) {
      for (let ch = 0; ch < 3; ch++) img.data[i * 4 + ch] = Math.round(255 * (volume.values[i * volume.channels + Math.min(ch, volume.channels - 1)] ?? 0));
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [volume]);
  return (
    <canvas
      ref={ref}
      className="map-canvas"
      width={volume.width}
      height={volume.height}
      style={{ width: volume.width * zoom, height: volume.height * zoom }}
      role="img"
      aria-label={`Input image, ${volume.height} by ${volume.width}, RGB`}
      data-testid="volume-input"
    />
  );
}

/**
 * Several filters over an RGB image: each filter is one K x K kernel applied to the channels it
 * reads (all three, summed, or one), and the output volume has one map per filter, H' x W' x filters,
 * with its weights counted as the layer would (K x K x 3 per filter, +1 bias each).
 */
export function VolumePlayground() {
  const [image, setImage] = useState<{ volume: Volume; caption: string }>({ volume: SCENE, caption: 'colour scene (32x32x3)' });
  const [fileError, setFileError] = useState<string | null>(null);
  const nextId = useRef(START.length);
  const [filters, setFilters] = useState<FilterDraft[]>(() => START.map((f, id) => ({ ...f, id })));
  const [strideText, setStrideText] = useState('1');
  const [mode, setMode] = useState<PaddingMode>('valid');
  const [zeros, setZeros] = useState('1');
  const computed = useMemo(() => computeVolume(image.volume, filters, strideText, mode, zeros), [image, filters, strideText, mode, zeros]);
  const { result } = computed;
  const input = image.volume;
  const zoom = zoomFor(input.height, input.width, FRAME_PX);
  const k = parseMatrix(filters[0]?.kernelText ?? '');

  const patch = (id: number, p: Partial<FilterDraft>) => setFilters((fs) => fs.map((f) => (f.id === id ? { ...f, ...p } : f)));
  const addFilter = () => setFilters((fs) => [...fs, { id: nextId.current++, kernelText: preset('sobel'), channels: 'all' }]);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setFileError(null);
    try {
      setImage({ volume: await decodeToVolume(file, 64), caption: `${file.name} (64x64x3, stretched)` });
    } catch (e) {
      setFileError(`${file.name}: ${(e as Error).message}`);
    }
  };

  return (
    <section className="panel-section playground-volume" aria-labelledby="pgvol-title" data-testid="playground-volume">
      <h2 id="pgvol-title">Filters over an RGB image: the output volume</h2>
      <p className="muted small">
        A conv layer&apos;s filter spans every input channel: here each filter is one kernel applied to the channels it reads (summed over R, G and B, or one
        channel alone). Each filter gives one output map; stacked, they are the volume the next layer reads.
      </p>
      <div className="pg-controls">
        <fieldset className="pg-group">
          <legend>Image</legend>
          <div className="pg-row">
            <button type="button" className="btn btn-small" onClick={() => setImage({ volume: SCENE, caption: 'colour scene (32x32x3)' })}>
              Colour scene
            </button>
            <label className="btn btn-small">
              Choose a photo…
              <input type="file" accept="image/*" className="sr-only" onChange={(e) => void onFile(e.target.files?.[0])} data-testid="volume-file" />
            </label>
          </div>
          {fileError && (
            <p className="error-text" role="alert">
              {fileError}
            </p>
          )}
          <figure className="pg-figure">
            <RgbCanvas volume={input} zoom={zoom} />
            <figcaption className="small muted">Input: {image.caption}</figcaption>
          </figure>
        </fieldset>
        <fieldset className="pg-group">
          <legend>Filters</legend>
          <ol className="volume-filters">
            {filters.map((f, i) => (
              <li key={f.id} className="volume-filter" data-testid={`volume-filter-${i}`}>
                <Field
                  name={`volume-kernel-${f.id}`}
                  label={`Filter ${i + 1} kernel`}
                  error={computed.kernelErrors[i] ?? undefined}
                  testId={`volume-kernel-${i}`}
                  errorTestId={`volume-kernel-error-${i}`}
                >
                  {(p) => (
                    <textarea
                      {...p}
                      className="mono kernel-text"
                      rows={2}
                      spellCheck={false}
                      value={f.kernelText}
                      onChange={(e) => patch(f.id, { kernelText: e.target.value })}
                    />
                  )}
                </Field>
                <div className="pg-row">
                  <label className="small">
                    Preset{' '}
                    <select
                      aria-label={`Filter ${i + 1} preset`}
                      value={KERNEL_PRESETS.find((p) => p.text === f.kernelText)?.id ?? ''}
                      onChange={(e) => patch(f.id, { kernelText: preset(e.target.value) })}
                    >
                      <option value="">(typed)</option>
                      {KERNEL_PRESETS.map((p) => (
                        <option key={p.id} value={p.id} title={p.description}>
                          {p.label} {p.text}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="small">
                    Reads{' '}
                    <select
                      aria-label={`Filter ${i + 1} channels`}
                      value={String(f.channels)}
                      onChange={(e) => patch(f.id, { channels: e.target.value === 'all' ? 'all' : Number(e.target.value) })}
                    >
                      <option value="all">R + G + B</option>
                      {CHANNEL_LABELS.map((c, ch) => (
                        <option key={c} value={ch}>
                          {c} only
                        </option>
                      ))}
                    </select>
                  </label>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Remove filter ${i + 1}`}
                    disabled={filters.length === 1}
                    onClick={() => setFilters((fs) => fs.filter((x) => x.id !== f.id))}
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ol>
          <button type="button" className="btn btn-small" onClick={addFilter} disabled={filters.length >= MAX_FILTERS} data-testid="volume-add-filter">
            Add a filter
          </button>
          <div className="pg-row">
            <Field name="volume-stride" label="Stride" error={computed.strideError ?? undefined} testId="volume-stride" errorTestId="volume-stride-error">
              {(p) => <input {...p} type="text" inputMode="numeric" value={strideText} onChange={(e) => setStrideText(e.target.value)} />}
            </Field>
            <PaddingField
              testPrefix="volume"
              mode={mode}
              zeros={zeros}
              error={computed.paddingError}
              zerosLabel="Zeros per side (volume)"
              onMode={setMode}
              onZeros={setZeros}
            />
          </div>
        </fieldset>
      </div>
      <p className="pg-size" aria-live="polite" data-testid="volume-size-line">
        {computed.error && (
          <span className="error-text" data-testid="volume-error">
            Cannot convolve: {computed.error}
          </span>
        )}
        {result && k.ok && (
          <>
            Input{' '}
            <strong className="mono">
              {input.height}x{input.width}x{input.channels}
            </strong>{' '}
            → output volume{' '}
            <strong className="mono" data-testid="volume-output-shape">
              {result.height}x{result.width}x{result.maps.length}
            </strong>{' '}
            · <span data-testid="volume-weights">{formatInt(result.weights)} weights</span>{' '}
            <span className="muted" data-testid="volume-biases">
              +{formatInt(result.biases)} biases
            </span>{' '}
            <span className="muted small">
              ({result.maps.length} filters × {k.matrix.height}×{k.matrix.width}×{input.channels})
            </span>
          </>
        )}
      </p>
      {result && (
        <div className="pg-maps volume-maps">
          {result.maps.map((m, i) => {
            const [lo, hi] = valueRange(m.values);
            const f = filters[i] as FilterDraft;
            return (
              <figure key={f.id} className="pg-figure" data-testid={`volume-map-${i}`} data-min={lo} data-max={hi}>
                <MapCanvas
                  values={m.values}
                  height={m.height}
                  width={m.width}
                  colouring="signed"
                  zoom={zoomFor(m.height, m.width, FRAME_PX * 0.75)}
                  label={`Output map of filter ${i + 1}, ${m.height} by ${m.width}`}
                />
                <figcaption className="small muted">
                  Filter {i + 1} ({f.channels === 'all' ? 'R + G + B' : `${CHANNEL_LABELS[f.channels]} only`}) · {formatNumber(lo, 3)} … {formatNumber(hi, 3)}
                </figcaption>
              </figure>
            );
          })}
        </div>
      )}
    </section>
  );
}
