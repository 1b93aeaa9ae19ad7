import { formatNumber } from '../../lib/format';
import { useMemo, useState, type CSSProperties } from 'react';
import { checkStack } from '../../../shared/conv-shapes';
import { convolve1d, parseRow, type Conv1dResult } from '../../../shared/convolve';
import { Conv1dSchema } from '../../../shared/layer-spec';
import { humanize } from '../../ui/form/zod-messages';
import { Field } from '../../ui/form/Field';
import { PaddingField } from './PaddingField';
import { num, type PaddingMode } from '../new-run/stack-form';
import { axisFormula } from './Conv2dPlayground';
import './playground.css';

const fmt = (v: number): string => formatNumber(v, 4);
const paren = (v: number): string => (v < 0 ? `(${fmt(v)})` : fmt(v));

interface Computed {
  inputError: string | null;
  kernelError: string | null;
  biasError: string | null;
  strideError: string | null;
  paddingError: string | null;
  error: string | null;
  result: Conv1dResult | null;
  padding: 'valid' | 'same' | number;
}

/** Parses the 1-D controls (stride and padding through the shared conv1d schema), sizes the output with the inspector, convolves. */
export function computeStepper(
  inputText: string,
  kernelText: string,
  biasText: string,
  strideText: string,
  paddingMode: PaddingMode,
  zerosText: string,
): Computed {
  const input = parseRow(inputText, 32);
  const kernel = parseRow(kernelText, 9);
  const bias = num(biasText);
  const layer = Conv1dSchema.safeParse({
    type: 'conv1d',
    filters: 1,
    kernel: kernel.ok ? kernel.values.length : 1,
    stride: num(strideText),
    padding: paddingMode === 'zeros' ? (num(zerosText) ?? NaN) : paddingMode,
  });
  const fieldError = (field: 'stride' | 'padding', label: string): string | null => {
    if (layer.success) return null;
    const issue = layer.error.issues.find((i) => i.path[0] === field);
    return issue ? `${label}: ${humanize(issue.message)}` : null;
  };
  const out: Computed = {
    inputError: input.ok ? null : `Input row: ${input.error}`,
    kernelError: kernel.ok ? null : `Weights: ${kernel.error}`,
    biasError: bias === undefined || Number.isFinite(bias) ? null : 'Bias: must be a number',
    strideError: fieldError('stride', 'Stride'),
    paddingError: fieldError('padding', 'Padding'),
    error: null,
    result: null,
    padding: layer.success ? layer.data.padding : 'valid',
  };
  if (!input.ok || !kernel.ok || !layer.success || out.biasError) return out;
  const check = checkStack([input.values.length, 1], [layer.data]);
  if (!check.ok) return { ...out, error: check.error.message.replace(/^layer \d+ \([^)]*\): /, '') };
  return { ...out, result: convolve1d(input.values, kernel.values, layer.data.stride, layer.data.padding, bias ?? 0) };
}

/** The 1-D convolution, one output at a time: the window over the padded row, its products and sum. */
export function Conv1dStepper() {
  const [inputText, setInputText] = useState('1 2 -1 1 -3');
  const [kernelText, setKernelText] = useState('1 0 -1');
  const [biasText, setBiasText] = useState('0');
  const [strideText, setStrideText] = useState('1');
  const [paddingMode, setPaddingMode] = useState<PaddingMode>('zeros');
  const [zerosText, setZerosText] = useState('1');
  const [stepPicked, setStep] = useState(0);
  const [showAll, setShowAll] = useState(false);

  const c = useMemo(
    () => computeStepper(inputText, kernelText, biasText, strideText, paddingMode, zerosText),
    [inputText, kernelText, biasText, strideText, paddingMode, zerosText],
  );
  const r = c.result;
  const steps = r?.steps.length ?? 0;
  const step = Math.min(stepPicked, Math.max(0, steps - 1));
  const cur = r?.steps[step];
  const k = r ? (r.steps[0]?.terms.length ?? 0) : 0;
  const bias = num(biasText) ?? 0;

  const field = (id: string, label: string, value: string, set: (v: string) => void, error: string | null, testId: string, wide = false) => (
    <Field name={id} label={label} error={error ?? undefined} testId={testId} errorTestId={`${testId}-error`} className={wide ? 'field-wide' : undefined}>
      {(p) => <input {...p} type="text" className="mono" spellCheck={false} value={value} onChange={(e) => set(e.target.value)} />}
    </Field>
  );

  return (
    <section className="panel-section playground-1d" aria-labelledby="pg1d-title" data-testid="playground-1d">
      <h2 id="pg1d-title">1-D convolution, step by step</h2>
      <div className="pg-row pg-row-wrap">
        {field('s1-input', 'Input row', inputText, setInputText, c.inputError, 'stepper-input', true)}
        {field('s1-kernel', 'Weights', kernelText, setKernelText, c.kernelError, 'stepper-kernel')}
        {field('s1-bias', 'Bias', biasText, setBiasText, c.biasError, 'stepper-bias')}
        {field('s1-stride', 'Stride', strideText, setStrideText, c.strideError, 'stepper-stride')}
        <PaddingField
          testPrefix="stepper"
          mode={paddingMode}
          zeros={zerosText}
          error={c.paddingError}
          zerosLabel="Zeros per side (1-D)"
          onMode={setPaddingMode}
          onZeros={setZerosText}
        />
      </div>

      {c.error && (
        <p className="error-text" data-testid="stepper-error">
          Cannot convolve: {c.error}
        </p>
      )}
      {r && cur && (
        <>
          <p className="pg-size">
            Output length{' '}
            <strong className="mono" data-testid="stepper-output-size">
              {r.output.length}
            </strong>{' '}
            <span className="muted small">(inspector: {axisFormula(r.plan, c.padding)})</span>
          </p>
          <div className="stepper-controls">
            <button type="button" className="btn" onClick={() => setStep(Math.max(0, step - 1))} disabled={step === 0} data-testid="stepper-prev">
              ← Previous step
            </button>
            <label className="inline-control">
              <span>
                Step <strong data-testid="stepper-step">{step + 1}</strong> of {steps}
              </span>
              <input
                type="range"
                min={0}
                max={steps - 1}
                step={1}
                value={step}
                onChange={(e) => setStep(Number(e.target.value))}
                aria-label="Output step"
                aria-valuetext={`output ${step + 1} of ${steps}`}
                disabled={steps < 2}
              />
            </label>
            <button
              type="button"
              className="btn"
              onClick={() => setStep(Math.min(steps - 1, step + 1))}
              disabled={step >= steps - 1}
              data-testid="stepper-next"
            >
              Next step →
            </button>
            <label className="inline-control">
              <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> Show every output
            </label>
          </div>

          <div className="stepper" style={{ '--cols': r.padded.length } as CSSProperties} data-testid="stepper">
            <span className="stepper-label">padded input</span>
            <div className="stepper-row">
              {r.padded.map((cell, i) => {
                const inWindow = i >= cur.start && i < cur.start + k;
                return (
                  <span
                    key={i}
                    className={`s-cell${cell.source === null ? ' s-pad' : ''}${inWindow ? ' s-win' : ''}`}
                    title={cell.source === null ? 'padding zero' : `input ${cell.source}`}
                  >
                    {fmt(cell.value)}
                  </span>
                );
              })}
            </div>
            <span className="stepper-label">weights</span>
            <div className="stepper-row">
              {cur.terms.map((t, j) => (
                <span key={j} className="s-cell s-weight" style={{ gridColumn: `${t.padded + 1}` }}>
                  ×{fmt(t.weight)}
                </span>
              ))}
            </div>
            <span className="stepper-label">output</span>
            <div className="stepper-row stepper-out" style={{ '--cols': r.output.length } as CSSProperties}>
              {r.output.map((v, i) => (
                <span key={i} className={`s-cell s-out${i === step ? ' s-now' : ''}`} data-testid={`stepper-out-${i}`}>
                  {i <= step || showAll ? fmt(v) : '·'}
                </span>
              ))}
            </div>
          </div>
          <p className="stepper-formula mono" aria-live="polite" data-testid="stepper-formula">
            y[{step}] = {cur.terms.map((t) => `${paren(t.value)}×${paren(t.weight)}`).join(' + ')}
            {bias !== 0 ? ` + ${paren(bias)}` : ''} = {fmt(cur.sum)}
          </p>
          <ul className="stepper-notes small">
            <li>
              <strong>Weight sharing:</strong> the same {k} weights{bias !== 0 ? ' and bias' : ''} are used at every step: {k} + 1 parameters, however long the
              row is.
            </li>
            <li>
              <strong>Stride {r.plan.stride}:</strong> the window moves {r.plan.stride} cell{r.plan.stride === 1 ? '' : 's'} per step; this window starts at
              cell {cur.start} of the padded row.
            </li>
            <li>
              <strong>Zero padding:</strong>{' '}
              {r.plan.padBefore + r.plan.padAfter === 0
                ? 'none: the window only visits positions where it fits inside the row, so the output is shorter.'
                : `${r.plan.padBefore} zero${r.plan.padBefore === 1 ? '' : 's'} before and ${r.plan.padAfter} after (dashed) let the window reach the ends of the row.`}
              {cur.terms.some((t) => t.source === null) ? ' This window covers padding.' : ''}
            </li>
          </ul>
        </>
      )}
    </section>
  );
}
