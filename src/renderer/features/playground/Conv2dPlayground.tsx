import { formatImageSize, formatNumber } from '../../lib/format';
import { useMemo, useState } from 'react';
import { checkStack, shapeToString } from '../../../shared/conv-shapes';
import { KERNEL_PRESETS, convolve2d, parseMatrix, receptiveField, valueRange, type AxisPlan, type Grid } from '../../../shared/convolve';
import { Conv2dSchema, type Conv2dSpec } from '../../../shared/layer-spec';
import { humanize } from '../../ui/form/zod-messages';
import { Field } from '../../ui/form/Field';
import { PaddingField } from './PaddingField';
import { num, size2d, type PaddingMode } from '../new-run/stack-form';
import { DatasetImagePicker, type PickedImage } from './DatasetImagePicker';
import { DrawPad } from './DrawPad';
import { MapCanvas } from './MapCanvas';
import { zoomFor } from './map-image';
import { brightSquare, sampleSeven, stepEdge } from './playground-images';
import './playground.css';

type Source = 'square' | 'edge' | 'draw' | 'dataset';
const SOURCES: { id: Source; label: string }[] = [
  { id: 'square', label: 'Bright square' },
  { id: 'edge', label: 'Step edge' },
  { id: 'draw', label: 'Draw a digit' },
  { id: 'dataset', label: 'Dataset image' },
];
const SQUARE = brightSquare(28);
const EDGE = stepEdge(28);
const FRAME_PX = 252;
const DETAIL_MAX = 7;

const fmt = (v: number): string => formatNumber(v, 3);

/** "floor((28 − 3 + 2×0) / 1) + 1 = 26" or "ceil(28 / 2) = 14" for one axis. */
export function axisFormula(p: AxisPlan, padding: Conv2dSpec['padding']): string {
  if (padding === 'same') return `ceil(${p.input} / ${p.stride}) = ${p.output}`;
  return `floor((${p.input} − ${p.kernel} + 2×${p.padBefore}) / ${p.stride}) + 1 = ${p.output}`;
}

interface Computed {
  kernel: ReturnType<typeof parseMatrix>;
  kernelError: string | null;
  strideError: string | null;
  paddingError: string | null;
  padding: Conv2dSpec['padding'];
  /** The inspector's message when the convolution is impossible. */
  error: string | null;
  result: ReturnType<typeof convolve2d> | null;
  shape: number[] | null;
}

/** Parses the controls (stride and padding through the shared layer schema), sizes the output with the inspector, convolves. */
export function computePlayground(input: Grid | null, kernelText: string, strideText: string, paddingMode: PaddingMode, zerosText: string): Computed {
  const kernel = parseMatrix(kernelText);
  const layer = Conv2dSchema.safeParse({
    type: 'conv2d',
    filters: 1,
    kernel: kernel.ok ? [kernel.matrix.height, kernel.matrix.width] : 1,
    stride: size2d(strideText),
    padding: paddingMode === 'zeros' ? (num(zerosText) ?? NaN) : paddingMode,
    activation: 'linear',
    useBias: false,
  });
  const fieldError = (field: 'stride' | 'padding'): string | null => {
    if (layer.success) return null;
    const issue = layer.error.issues.find((i) => i.path[0] === field);
    return issue ? `${field === 'stride' ? 'Stride' : 'Padding'}: ${humanize(issue.message)}` : null;
  };
  const out: Computed = {
    kernel,
    kernelError: kernel.ok ? null : `Kernel: ${kernel.error}`,
    strideError: fieldError('stride'),
    paddingError: fieldError('padding'),
    padding: layer.success ? layer.data.padding : 'valid',
    error: null,
    result: null,
    shape: null,
  };
  if (!input || !kernel.ok || !layer.success) return out;
  const check = checkStack([input.height, input.width, 1], [layer.data]);
  if (!check.ok) return { ...out, error: check.error.message.replace(/^layer \d+ \([^)]*\): /, '') };
  const stride = layer.data.stride;
  const result = convolve2d(input, kernel.matrix, typeof stride === 'number' ? stride : [stride[0], stride[1]], layer.data.padding);
  return { ...out, result, shape: check.inspection.outputShape };
}

/**
 * The 2-D playground: an image (synthetic, drawn or from a dataset), a kernel typed as a matrix,
 * stride and padding; the output map beside the input, its size from the shape inspector, and
 * the window behind any output cell.
 */
export function Conv2dPlayground() {
  const [source, setSource] = useState<Source>('square');
  const [drawn, setDrawn] = useState<Grid>(() => sampleSeven(28));
  const [picked, setPicked] = useState<PickedImage | null>(null);
  const [kernelText, setKernelText] = useState(KERNEL_PRESETS[0]?.text ?? '[1]');
  const [strideText, setStrideText] = useState('1');
  const [paddingMode, setPaddingMode] = useState<PaddingMode>('valid');
  const [zerosText, setZerosText] = useState('1');
  const [colouring, setColouring] = useState<'signed' | 'range'>('signed');
  const [selected, setSelected] = useState<{ row: number; col: number } | null>(null);

  const input: Grid | null = source === 'square' ? SQUARE : source === 'edge' ? EDGE : source === 'draw' ? drawn : (picked?.grid ?? null);
  const computed = useMemo(
    () => computePlayground(input, kernelText, strideText, paddingMode, zerosText),
    [input, kernelText, strideText, paddingMode, zerosText],
  );
  const { kernel, kernelError, strideError, paddingError } = computed;

  const result = computed.result;
  const zoom = input ? zoomFor(input.height, input.width, FRAME_PX) : 1;
  const sel = result
    ? selected && selected.row < result.height && selected.col < result.width
      ? selected
      : { row: Math.floor(result.height / 2), col: Math.floor(result.width / 2) }
    : null;
  const rf = result && sel ? receptiveField(result, sel.row, sel.col) : null;
  const [lo, hi] = result ? valueRange(result.values) : [0, 0];

  return (
    <section className="panel-section playground-2d" aria-labelledby="pg2d-title" data-testid="playground-2d">
      <h2 id="pg2d-title">2-D convolution</h2>
      <div className="pg-controls">
        <fieldset className="pg-group">
          <legend>Image</legend>
          <div className="preset-picker" role="radiogroup" aria-label="Image source">
            {SOURCES.map((s) => (
              <label key={s.id} className={`seg${source === s.id ? ' seg-on' : ''}`}>
                <input
                  type="radio"
                  name="pgSource"
                  value={s.id}
                  checked={source === s.id}
                  onChange={() => setSource(s.id)}
                  data-testid={`playground-source-${s.id}`}
                />
                {s.label}
              </label>
            ))}
          </div>
          {source === 'draw' && <DrawPad grid={drawn} onChange={setDrawn} />}
          {source === 'dataset' && <DatasetImagePicker onImage={setPicked} />}
        </fieldset>
        <fieldset className="pg-group">
          <legend>Kernel</legend>
          <div className="kernel-presets" role="group" aria-label="Kernel presets">
            {KERNEL_PRESETS.map((p) => (
              <button
                key={p.id}
                type="button"
                className={`btn btn-small${kernelText === p.text ? ' seg-on' : ''}`}
                onClick={() => setKernelText(p.text)}
                title={p.description}
                aria-pressed={kernelText === p.text}
                data-testid={`kernel-preset-${p.id}`}
              >
                {p.label}
              </button>
            ))}
          </div>
          <Field
            name="kernel"
            label="Kernel matrix"
            error={kernelError ?? undefined}
            testId="playground-kernel"
            errorTestId="playground-kernel-error"
            hint={
              <>
                Rows separated by <code>;</code> or new lines, e.g. <code>[1 0 -1; 2 0 -2; 1 0 -1]</code>; fractions like <code>1/9</code> work. Not flipped:
                ConvNet layers compute this cross-correlation.
              </>
            }
          >
            {(p) => (
              <textarea {...p} className="mono kernel-text" rows={3} spellCheck={false} value={kernelText} onChange={(e) => setKernelText(e.target.value)} />
            )}
          </Field>
          <div className="pg-row">
            <Field name="stride" label="Stride" error={strideError ?? undefined} testId="playground-stride" errorTestId="playground-stride-error">
              {(p) => <input {...p} type="text" inputMode="numeric" value={strideText} onChange={(e) => setStrideText(e.target.value)} />}
            </Field>
            <PaddingField
              testPrefix="playground"
              mode={paddingMode}
              zeros={zerosText}
              error={paddingError}
              zerosLabel="Zeros per side"
              onMode={setPaddingMode}
              onZeros={setZerosText}
            />
            <div className="field">
              <label htmlFor="pg-colours">Output colours</label>
              <select id="pg-colours" value={colouring} onChange={(e) => setColouring(e.target.value as 'signed' | 'range')}>
                <option value="signed">signed (blue &lt; 0 &lt; orange)</option>
                <option value="range">grey, min → max</option>
              </select>
            </div>
          </div>
        </fieldset>
      </div>

      <p className="pg-size" aria-live="polite" data-testid="playground-size-line">
        {input && computed.error && (
          <span className="error-text" data-testid="playground-error">
            Cannot convolve: {computed.error}
          </span>
        )}
        {input && result && (
          <>
            Input <strong className="mono">{formatImageSize(input.width, input.height)}</strong> → output{' '}
            <strong className="mono" data-testid="playground-output-size">
              {result.width} × {result.height}
            </strong>
            <span className="muted small">
              {' '}
              (inspector: {shapeToString([input.height, input.width, 1])} → {computed.shape ? shapeToString(computed.shape) : ''}; rows{' '}
              {axisFormula(result.rows, computed.padding)}
              {result.cols.input !== result.rows.input || result.cols.kernel !== result.rows.kernel || result.cols.stride !== result.rows.stride
                ? `; columns ${axisFormula(result.cols, computed.padding)}`
                : ''}
              )
            </span>
          </>
        )}
        {!input && <span className="muted">Pick an image.</span>}
      </p>

      {input && (
        <div className="pg-maps">
          <figure className="pg-figure">
            <div
              className="pg-frame"
              style={{
                paddingTop: (result?.rows.padBefore ?? 0) * zoom,
                paddingBottom: (result?.rows.padAfter ?? 0) * zoom,
                paddingLeft: (result?.cols.padBefore ?? 0) * zoom,
                paddingRight: (result?.cols.padAfter ?? 0) * zoom,
              }}
            >
              <MapCanvas
                values={input.values}
                height={input.height}
                width={input.width}
                colouring="unit"
                zoom={zoom}
                label={`Input image, ${input.height} by ${input.width}`}
                testId="playground-input"
              />
              {rf && result && (
                <span
                  className="pg-window"
                  aria-hidden="true"
                  style={{
                    left: (rf.left + result.cols.padBefore) * zoom,
                    top: (rf.top + result.rows.padBefore) * zoom,
                    width: rf.width * zoom,
                    height: rf.height * zoom,
                  }}
                />
              )}
            </div>
            <figcaption className="small muted">
              Input{source === 'dataset' && picked ? `: ${picked.caption}` : ''}
              {result && result.rows.padBefore + result.rows.padAfter + result.cols.padBefore + result.cols.padAfter > 0 ? ' · hatched: zero padding' : ''}
            </figcaption>
          </figure>
          {result && sel && (
            <figure className="pg-figure">
              <div className="pg-frame pg-frame-out">
                <MapCanvas
                  values={result.values}
                  height={result.height}
                  width={result.width}
                  colouring={colouring}
                  zoom={zoom}
                  label={`Output map, ${result.height} by ${result.width}; arrow keys move the selected cell`}
                  testId="playground-output"
                  onCell={(row, col) => setSelected({ row, col })}
                  selected={sel}
                />
                <span className="pg-window pg-cell" aria-hidden="true" style={{ left: sel.col * zoom, top: sel.row * zoom, width: zoom, height: zoom }} />
              </div>
              <figcaption className="small muted">
                Output · range {fmt(lo)} … {fmt(hi)} · point at a cell (or focus and use the arrow keys)
              </figcaption>
            </figure>
          )}
          {result && sel && rf && kernel.ok && (
            <WindowDetail
              input={input}
              kernel={kernel.matrix}
              rf={rf}
              value={result.values[sel.row * result.width + sel.col] ?? 0}
              row={sel.row}
              col={sel.col}
            />
          )}
        </div>
      )}
    </section>
  );
}

function WindowDetail({
  input,
  kernel,
  rf,
  value,
  row,
  col,
}: {
  input: Grid;
  kernel: Grid;
  rf: { top: number; left: number; height: number; width: number };
  value: number;
  row: number;
  col: number;
}) {
  const cells: { v: number; w: number; pad: boolean }[][] = [];
  let pads = 0;
  for (let a = 0; a < rf.height; a++) {
    const line: { v: number; w: number; pad: boolean }[] = [];
    for (let b = 0; b < rf.width; b++) {
      const y = rf.top + a;
      const x = rf.left + b;
      const pad = y < 0 || x < 0 || y >= input.height || x >= input.width;
      if (pad) pads++;
      line.push({ v: pad ? 0 : (input.values[y * input.width + x] ?? 0), w: kernel.values[a * kernel.width + b] ?? 0, pad });
    }
    cells.push(line);
  }
  const small = rf.height <= DETAIL_MAX && rf.width <= DETAIL_MAX;
  return (
    <div className="pg-detail" data-testid="playground-detail">
      <p>
        Output (<span className="mono">{row}</span>, <span className="mono">{col}</span>) ={' '}
        <strong className="mono" data-testid="playground-cell-value">
          {fmt(value)}
        </strong>
      </p>
      <p className="muted small">
        The {rf.height}×{rf.width} window at rows {rf.top}…{rf.top + rf.height - 1}, columns {rf.left}…{rf.left + rf.width - 1} of the input
        {pads > 0 ? `, ${pads} of its cells in the zero padding` : ''}: each value times the kernel weight over it, summed.
      </p>
      {small && (
        <table className="pg-window-table">
          <caption className="sr-only">Window values times kernel weights</caption>
          <tbody>
            {cells.map((line, a) => (
              <tr key={a}>
                {line.map((c, b) => (
                  <td key={b} className={c.pad ? 'pad' : undefined}>
                    <span className="mono">{fmt(c.v)}</span>
                    <span className="muted small">×{fmt(c.w)}</span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
