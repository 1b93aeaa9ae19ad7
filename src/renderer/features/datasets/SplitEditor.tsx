import { useState, type FormEvent } from 'react';
import type { DatasetSummary } from '../../../shared/api';
import { SplitSpec } from '../../../shared/dataset-schema';
import { useApi } from '../../api/context';
import './datasets.css';

/** Re-split a dataset by image with another seed or fractions (`datasets.split`). */
export function SplitEditor({ dataset, onChanged }: { dataset: DatasetSummary; onChanged(d: DatasetSummary): void }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [f, setF] = useState(() => ({
    seed: String(dataset.split.seed),
    train: String(dataset.split.train),
    validation: String(dataset.split.validation),
    test: String(dataset.split.test),
  }));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = SplitSpec.safeParse({
      seed: Number(f.seed),
      train: Number(f.train),
      validation: Number(f.validation),
      test: Number(f.test),
      keepSourceSplits: dataset.split.keepSourceSplits,
    });
    if (!r.success) {
      setError(r.error.issues.map((i) => `${i.path.join('.') || 'split'}: ${i.message}`).join('; '));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.call('datasets.split', { id: dataset.id, split: r.data }));
      setOpen(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <button type="button" className="btn btn-link btn-small" onClick={() => setOpen(true)} data-testid="resplit">
        seed {dataset.split.seed} · change
      </button>
    );
  }
  return (
    <form className="split-form" onSubmit={(e) => void submit(e)} aria-label="Change the split" data-testid="split-form">
      {(['seed', 'train', 'validation', 'test'] as const).map((k) => (
        <label key={k} className="inline-control">
          {k}
          <input
            type="number"
            step={k === 'seed' ? 1 : 0.05}
            min={0}
            max={k === 'seed' ? undefined : 1}
            value={f[k]}
            onChange={(e) => setF((s) => ({ ...s, [k]: e.target.value }))}
            data-testid={`split-${k}`}
          />
        </label>
      ))}
      <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
        {busy ? 'Splitting…' : 'Re-split'}
      </button>
      <button type="button" className="btn btn-small" onClick={() => setOpen(false)} disabled={busy}>
        Cancel
      </button>
      {error && (
        <span className="error-text small" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
