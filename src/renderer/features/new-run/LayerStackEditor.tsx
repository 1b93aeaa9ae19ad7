import { useEffect, useRef, useState } from 'react';
import { Field } from '../../ui/form/Field';
import { LAYER_TYPES, type LayerType } from '../../../shared/layer-spec';
import {
  CONV_ACTIVATIONS,
  DENSE_ACTIVATIONS,
  DRAFT_FIELD_LABELS,
  FIELDS_BY_TYPE,
  LAYER_TYPE_LABELS,
  is2d,
  isConv,
  isPool,
  moveDraft,
  newDraft,
  removeDraft,
  retype,
  type DraftField,
  type LayerDraft,
  type PaddingMode,
  type RowReport,
  type StackReport,
} from './stack-form';
import { shapeToString } from '../../../shared/conv-shapes';
import './new-run.css';

interface Props {
  drafts: LayerDraft[];
  report: StackReport;
  onChange(drafts: LayerDraft[]): void;
  /** Next free draft id (stable React keys). */
  nextId(): number;
}

const HINTS: Partial<Record<DraftField, (t: LayerType) => string>> = {
  kernel: (t) => (is2d(t) ? '5 or 5x3 (height x width)' : 'window length'),
  stride: (t) => (isPool(t) ? 'empty = pool size' : is2d(t) ? '1 or 2x1' : 'cells per step'),
  size: (t) => (is2d(t) ? '2 or 3x2' : 'window length'),
  rate: () => 'fraction dropped, 0 ≤ r < 1',
};

/** The stack as an ordered list of layers: type, fields, move up/down, remove; add at the end. */
export function LayerStackEditor({ drafts, report, onChange, nextId }: Props) {
  const [newType, setNewType] = useState<LayerType>('conv2d');
  const focusId = useRef<string | null>(null);
  const listRef = useRef<HTMLOListElement>(null);

  // Move focus after a structural change (a new row's first field, a moved row's button).
  useEffect(() => {
    const id = focusId.current;
    if (!id) return;
    focusId.current = null;
    const el = listRef.current?.ownerDocument.getElementById(id);
    el?.focus();
  });

  const update = (index: number, patch: Partial<LayerDraft>) => onChange(drafts.map((d, i) => (i === index ? { ...d, ...patch } : d)));
  const add = () => {
    const d = newDraft(newType, nextId());
    focusId.current = `layer-${d.id}-type`;
    onChange([...drafts, d]);
  };

  return (
    <div className="stack-editor">
      {drafts.length === 0 && (
        <p className="muted stack-empty" data-testid="stack-empty">
          No layers yet: add the first one below, or start from a preset.
        </p>
      )}
      <ol className="layer-list" ref={listRef} aria-label="Layers">
        {drafts.map((d, i) => (
          <LayerRow
            key={d.id}
            draft={d}
            row={report.rows[i]}
            count={drafts.length}
            onPatch={(patch) => update(i, patch)}
            onRetype={(t) => onChange(drafts.map((x, j) => (j === i ? retype(x, t) : x)))}
            onMove={(delta) => {
              focusId.current = `layer-${d.id}-${delta < 0 ? (i + delta === 0 ? 'down' : 'up') : i + delta === drafts.length - 1 ? 'up' : 'down'}`;
              onChange(moveDraft(drafts, i, delta));
            }}
            onRemove={() => {
              const neighbour = drafts[i + 1] ?? drafts[i - 1];
              focusId.current = neighbour ? `layer-${neighbour.id}-type` : 'add-layer-type';
              onChange(removeDraft(drafts, i));
            }}
          />
        ))}
      </ol>
      <div className="add-layer">
        <label htmlFor="add-layer-type">New layer</label>
        <select id="add-layer-type" value={newType} onChange={(e) => setNewType(e.target.value as LayerType)} data-testid="add-layer-type">
          {LAYER_TYPES.map((t) => (
            <option key={t} value={t}>
              {LAYER_TYPE_LABELS[t]}
            </option>
          ))}
        </select>
        <button type="button" className="btn" onClick={add} data-testid="add-layer">
          Add layer
        </button>
      </div>
    </div>
  );
}

interface RowProps {
  draft: LayerDraft;
  row: RowReport | undefined;
  count: number;
  onPatch(patch: Partial<LayerDraft>): void;
  onRetype(t: LayerType): void;
  onMove(delta: number): void;
  onRemove(): void;
}

function LayerRow({ draft: d, row, count, onPatch, onRetype, onMove, onRemove }: RowProps) {
  const index = row?.index ?? 0;
  const n = index + 1;
  const shapeErrorId = `layer-${d.id}-shape-error`;
  const fields = FIELDS_BY_TYPE[d.type];
  const hasError = Boolean(row?.shapeError) || Object.keys(row?.fieldErrors ?? {}).length > 0;
  const out = row?.info ? shapeToString(row.info.outputShape) : null;
  return (
    <li
      className={`layer-row${hasError ? ' layer-row-invalid' : ''}${row?.blocked ? ' layer-row-blocked' : ''}`}
      data-testid={`layer-row-${index}`}
      data-type={d.type}
      aria-labelledby={`layer-${d.id}-title`}
    >
      <div className="layer-head">
        <span className="layer-no" aria-hidden="true">
          {n}
        </span>
        <span id={`layer-${d.id}-title`} className="layer-name mono">
          <span className="sr-only">Layer {n}, </span>
          {row?.name ?? d.type}
        </span>
        <label className="sr-only" htmlFor={`layer-${d.id}-type`}>
          Layer {n} type
        </label>
        <select
          id={`layer-${d.id}-type`}
          className="layer-type"
          value={d.type}
          onChange={(e) => onRetype(e.target.value as LayerType)}
          data-testid={`layer-${index}-type`}
        >
          {LAYER_TYPES.map((t) => (
            <option key={t} value={t}>
              {LAYER_TYPE_LABELS[t]}
            </option>
          ))}
        </select>
        <span className="layer-out muted small" aria-live="off">
          {out ? `→ ${out}` : ''}
        </span>
        <span className="spacer" />
        <button
          type="button"
          id={`layer-${d.id}-up`}
          className="btn btn-small"
          onClick={() => onMove(-1)}
          disabled={index === 0}
          aria-label={`Move layer ${n} up`}
          title="Move up"
        >
          ↑
        </button>
        <button
          type="button"
          id={`layer-${d.id}-down`}
          className="btn btn-small"
          onClick={() => onMove(1)}
          disabled={index === count - 1}
          aria-label={`Move layer ${n} down`}
          title="Move down"
        >
          ↓
        </button>
        <button
          type="button"
          className="btn btn-small btn-danger"
          onClick={onRemove}
          aria-label={`Remove layer ${n}`}
          title="Remove"
          data-testid={`layer-${index}-remove`}
        >
          ✕
        </button>
      </div>
      {fields.length > 0 && (
        <div className="layer-fields">
          {fields.map((f) => (
            <LayerField
              key={f}
              draft={d}
              field={f}
              n={n}
              index={index}
              error={row?.fieldErrors[f]}
              shapeErrorId={row?.shapeError ? shapeErrorId : undefined}
              onPatch={onPatch}
            />
          ))}
        </div>
      )}
      {row?.shapeError && (
        <p className="layer-error" id={shapeErrorId} data-testid={`layer-${index}-shape-error`}>
          {row.shapeError}
        </p>
      )}
      {row?.blocked && !hasError && <p className="muted small layer-blocked-note">Not inspected: fix the layer above first.</p>}
    </li>
  );
}

interface FieldProps {
  draft: LayerDraft;
  field: DraftField;
  n: number;
  index: number;
  error: string | undefined;
  shapeErrorId: string | undefined;
  onPatch(patch: Partial<LayerDraft>): void;
}

function LayerField({ draft: d, field, n, index, error, shapeErrorId, onPatch }: FieldProps) {
  const hint = HINTS[field]?.(d.type);
  const label = (
    <>
      <span className="sr-only">Layer {n} </span>
      {DRAFT_FIELD_LABELS[field]}
    </>
  );
  return (
    <Field
      name={field}
      label={label}
      error={error}
      hint={hint}
      hintOnlyWithoutError
      describedBy={shapeErrorId}
      testId={`layer-${index}-${field}`}
      errorTestId={`layer-${index}-error-${field}`}
      className={`layer-field layer-field-${field}`}
    >
      {(common) => {
        switch (field) {
          case 'activation': {
            const options = isConv(d.type) ? CONV_ACTIVATIONS : DENSE_ACTIVATIONS;
            return (
              <select {...common} value={d.activation} onChange={(e) => onPatch({ activation: e.target.value })}>
                {options.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            );
          }
          case 'padding': {
            const modes: PaddingMode[] = isPool(d.type) ? ['valid', 'same'] : ['valid', 'same', 'zeros'];
            return (
              <span className="padding-control">
                <select {...common} value={d.paddingMode} onChange={(e) => onPatch({ paddingMode: e.target.value as PaddingMode })}>
                  {modes.map((m) => (
                    <option key={m} value={m}>
                      {m === 'zeros' ? 'zeros per side' : m}
                    </option>
                  ))}
                </select>
                {d.paddingMode === 'zeros' && (
                  <input
                    type="text"
                    inputMode="numeric"
                    className="padding-zeros"
                    aria-label={`Layer ${n} zeros per side`}
                    aria-invalid={common['aria-invalid']}
                    aria-describedby={common['aria-describedby']}
                    value={d.paddingZeros}
                    onChange={(e) => onPatch({ paddingZeros: e.target.value })}
                    data-testid={`layer-${index}-zeros`}
                  />
                )}
              </span>
            );
          }
          default: {
            const key = field as 'filters' | 'kernel' | 'stride' | 'size' | 'units' | 'rate';
            return (
              <input
                {...common}
                type="text"
                inputMode={field === 'rate' ? 'decimal' : is2d(d.type) && (field === 'kernel' || field === 'stride' || field === 'size') ? 'text' : 'numeric'}
                autoComplete="off"
                spellCheck={false}
                placeholder={field === 'stride' ? (isPool(d.type) ? 'size' : '1') : undefined}
                value={d[key]}
                onChange={(e) => onPatch({ [key]: e.target.value })}
              />
            );
          }
        }
      }}
    </Field>
  );
}
