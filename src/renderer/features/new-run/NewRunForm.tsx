import { useState, type ComponentType } from 'react';
import type { RunSpec } from '../../../shared/run-spec';
import { useApiQuery } from '../../api/queries';
import { hrefFor } from '../../app/route';
import { ConvNetRunForm } from './ConvNetRunForm';
import { LmRunForm } from './LmRunForm';
import './new-run.css';

/**
 * One entry per model family: the picker at the top of the page chooses which form is shown.
 * Each family's form builds and submits its own RunSpec.
 */
export interface RunFamily {
  id: string;
  label: string;
  description: string;
  /** `initial`: a run's spec to start from (Clone run). */
  Form: ComponentType<{ initial?: RunSpec | null }>;
  /** Whether a run of this preset belongs to this family (which form a clone opens). */
  owns: (preset: string) => boolean;
}

export const RUN_FAMILIES: readonly RunFamily[] = [
  {
    id: 'convnet',
    label: 'ConvNet',
    description: 'LeNet-5, a small AlexNet-style net or a stack of your own, on MNIST, with the shape inspector beside the layers.',
    Form: ConvNetRunForm,
    owns: (p) => p === 'lenet5-mnist' || p === 'convnet',
  },
  {
    id: 'lm',
    label: 'Language model',
    description: 'LBL, MLBL-B or MLBL-F (Kiros et al. 2014) on a captioned dataset, with image features from a TF.js model or a ConvNet run.',
    Form: LmRunForm,
    owns: (p) => p !== 'lenet5-mnist' && p !== 'convnet',
  },
];

/** The "New run" page: a model-family picker and that family's form; with `from`, the form filled with that run's spec (Clone run). */
export function NewRunForm({ from = null }: { from?: string | null }) {
  const source = useApiQuery('runs.get', from === null ? null : { id: from });
  if (from !== null && !source.fresh) {
    return source.error ? (
      <p role="alert" data-testid="clone-error">
        Cannot clone run {from}: {source.error}. <a href={hrefFor.newRun()}>Start from the defaults</a>.
      </p>
    ) : (
      <p className="muted">Loading run {from}…</p>
    );
  }
  return <NewRunPage initial={source.data?.spec ?? null} clonedFrom={source.data?.name ?? null} />;
}

function NewRunPage({ initial, clonedFrom }: { initial: RunSpec | null; clonedFrom: string | null }) {
  const [familyId, setFamilyId] = useState<string>(
    () => (initial ? RUN_FAMILIES.find((f) => f.owns(initial.preset))?.id : undefined) ?? RUN_FAMILIES[0]?.id ?? '',
  );
  const family = RUN_FAMILIES.find((f) => f.id === familyId) ?? RUN_FAMILIES[0];
  return (
    <section className="panel new-run" aria-labelledby="new-run-title" data-testid="new-run-page">
      <h1 id="new-run-title">New run</h1>
      {clonedFrom !== null && (
        <p className="muted" data-testid="cloned-from">
          A clone of <strong>{clonedFrom}</strong>: change what you like and start it.
        </p>
      )}
      <div className="preset-picker family-picker" role="radiogroup" aria-labelledby="family-label">
        <span id="family-label" className="picker-label">
          Model
        </span>
        {RUN_FAMILIES.map((f) => (
          <label key={f.id} className={`seg${f.id === family?.id ? ' seg-on' : ''}`}>
            <input
              type="radio"
              name="runFamily"
              value={f.id}
              checked={f.id === family?.id}
              onChange={() => setFamilyId(f.id)}
              data-testid={`run-family-${f.id}`}
            />
            {f.label}
          </label>
        ))}
      </div>
      {family && (
        <>
          <p className="muted">{family.description}</p>
          <family.Form key={family.id} initial={initial && family.owns(initial.preset) ? initial : null} />
        </>
      )}
    </section>
  );
}
