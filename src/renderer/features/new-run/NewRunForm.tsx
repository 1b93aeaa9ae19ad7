import { useState, type ComponentType } from 'react';
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
  Form: ComponentType;
}

export const RUN_FAMILIES: readonly RunFamily[] = [
  {
    id: 'convnet',
    label: 'ConvNet',
    description: 'LeNet-5, a small AlexNet-style net or a stack of your own, on MNIST, with the shape inspector beside the layers.',
    Form: ConvNetRunForm,
  },
  {
    id: 'lm',
    label: 'Language model',
    description: 'LBL, MLBL-B or MLBL-F (Kiros et al. 2014) on a captioned dataset, with image features from a TF.js model or a ConvNet run.',
    Form: LmRunForm,
  },
];

/** The "New run" page: a model-family picker and that family's form. */
export function NewRunForm() {
  const [familyId, setFamilyId] = useState<string>(RUN_FAMILIES[0]?.id ?? '');
  const family = RUN_FAMILIES.find((f) => f.id === familyId) ?? RUN_FAMILIES[0];
  return (
    <section className="panel new-run" aria-labelledby="new-run-title" data-testid="new-run-page">
      <h1 id="new-run-title">New run</h1>
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
          <family.Form key={family.id} />
        </>
      )}
    </section>
  );
}
