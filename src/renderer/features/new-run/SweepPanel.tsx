import { useMemo, useState } from 'react';
import type { RunSpec } from '../../../shared/run-spec';
import { useApi } from '../../api/context';
import { hrefFor, navigate } from '../../app/route';
import { Field } from '../../ui/form/Field';
import { plural } from '../../lib/format';
import { SWEEP_KIND_LABELS, buildSweep, emptySweepDraft, type SweepDraft, type SweepKind, type SweepRowDraft } from './sweep-form';

export interface SweepableField {
  key: string;
  label: string;
}

let rowIds = 0;

/**
 * The sweep part of a new-run form, opened by its "Sweep" button: per swept field a grid of values
 * or a random draw over a range, a number of draws and a seed, over the run the form above
 * describes (`base`, null while it has errors). Shows how many runs it makes; starting calls
 * sweeps.create and opens the sweep's page.
 */
export function SweepPanel({ fields, base, name }: { fields: readonly SweepableField[]; base: RunSpec | null; name: string }) {
  const api = useApi();
  const [draft, setDraft] = useState<SweepDraft>(emptySweepDraft);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const labels = useMemo(() => Object.fromEntries(fields.map((f) => [f.key, f.label])), [fields]);
  const built = useMemo(() => buildSweep(draft, base, name, labels), [draft, base, name, labels]);

  const setRow = (id: number, patch: Partial<SweepRowDraft>) => setDraft((d) => ({ ...d, rows: d.rows.map((r) => (r.id === id ? { ...r, ...patch } : r)) }));
  const addRow = () => {
    const used = new Set(draft.rows.map((r) => r.key));
    const key = fields.find((f) => !used.has(f.key))?.key ?? fields[0]?.key ?? '';
    setDraft((d) => ({ ...d, rows: [...d.rows, { id: ++rowIds, key, kind: 'grid', values: '', lo: '', hi: '', int: false }] }));
  };

  const start = async () => {
    if (!built.ok) return;
    setStarting(true);
    setStartError(null);
    try {
      const sweep = await api.call('sweeps.create', { spec: built.spec });
      navigate(hrefFor.sweep(sweep.id));
    } catch (e) {
      setStartError(e instanceof Error ? e.message : String(e));
      setStarting(false);
    }
  };

  return (
    <fieldset
      className="form-section sweep-panel"
      data-testid="sweep-panel"
      // Enter in a sweep field would submit the run form around it (one run): not what was meant.
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement) e.preventDefault();
      }}
    >
      <legend>Sweep</legend>
      <p className="muted small">
        Runs of the spec above with the fields below varied: a grid tries every value (every combination across fields); draws pick values at random, seeded,
        for each grid point.
      </p>
      {draft.rows.map((r, i) => (
        <div key={r.id} className="form-grid sweep-row" data-testid={`sweep-row-${i}`}>
          <Field name={`sweep-key-${i}`} label="Field">
            {(p) => (
              <select {...p} value={r.key} onChange={(e) => setRow(r.id, { key: e.target.value })}>
                {fields.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field name={`sweep-kind-${i}`} label="How">
            {(p) => (
              <select {...p} value={r.kind} onChange={(e) => setRow(r.id, { kind: e.target.value as SweepKind })}>
                {(Object.keys(SWEEP_KIND_LABELS) as SweepKind[]).map((k) => (
                  <option key={k} value={k}>
                    {SWEEP_KIND_LABELS[k]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {r.kind === 'grid' || r.kind === 'choice' ? (
            <Field name={`sweep-values-${i}`} label="Values" hint="Comma-separated, e.g. 0.001, 0.003">
              {(p) => <input {...p} value={r.values} onChange={(e) => setRow(r.id, { values: e.target.value })} autoComplete="off" spellCheck={false} />}
            </Field>
          ) : (
            <>
              <Field name={`sweep-lo-${i}`} label="From">
                {(p) => <input {...p} value={r.lo} inputMode="decimal" onChange={(e) => setRow(r.id, { lo: e.target.value })} autoComplete="off" />}
              </Field>
              <Field name={`sweep-hi-${i}`} label="To">
                {(p) => <input {...p} value={r.hi} inputMode="decimal" onChange={(e) => setRow(r.id, { hi: e.target.value })} autoComplete="off" />}
              </Field>
              <label className="check">
                <input type="checkbox" checked={r.int} onChange={(e) => setRow(r.id, { int: e.target.checked })} /> whole numbers
              </label>
            </>
          )}
          <button type="button" className="btn btn-small" onClick={() => setDraft((d) => ({ ...d, rows: d.rows.filter((x) => x.id !== r.id) }))}>
            Remove
          </button>
        </div>
      ))}
      <p>
        <button type="button" className="btn" onClick={addRow} data-testid="sweep-add">
          Add a swept field
        </button>
      </p>
      <div className="form-grid">
        <Field name="sweep-draws" label="Random draws" hint="Runs drawn per grid point (for uniform, log-uniform and choice fields).">
          {(p) => (
            <input {...p} value={draft.draws} inputMode="numeric" onChange={(e) => setDraft((d) => ({ ...d, draws: e.target.value }))} autoComplete="off" />
          )}
        </Field>
        <Field name="sweep-seed" label="Sweep seed" hint="The same seed draws the same values.">
          {(p) => (
            <input {...p} value={draft.seed} inputMode="numeric" onChange={(e) => setDraft((d) => ({ ...d, seed: e.target.value }))} autoComplete="off" />
          )}
        </Field>
      </div>
      {!built.ok && draft.rows.length > 0 && (
        <ul className="error-text small" role="alert" data-testid="sweep-errors">
          {built.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      {startError && (
        <p className="error-text" role="alert" data-testid="sweep-start-error">
          Could not start the sweep: {startError}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={!built.ok || starting} onClick={() => void start()} data-testid="sweep-start">
          {starting ? 'Starting…' : 'Start sweep'}
        </button>
        <span data-testid="sweep-count" aria-live="polite">
          {built.count === null ? 'Runs: —' : `Makes ${plural(built.count, 'run')}`}
        </span>
      </div>
    </fieldset>
  );
}
