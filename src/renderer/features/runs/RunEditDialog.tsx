import { useEffect, useId, useRef, useState } from 'react';
import type { RunRecord } from '../../../shared/api';
import { useAppActions } from '../../api/context';
import { parseTags } from './run-filters';
import './runs.css';

interface Props {
  run: RunRecord;
  onClose(): void;
}

/** Edits a run's name, tags and notes (runs.update). A modal <dialog>: Escape cancels. */
export function RunEditDialog({ run, onClose }: Props) {
  const { updateRun } = useAppActions();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [name, setName] = useState(run.name);
  const [tags, setTags] = useState(run.tags.join(', '));
  const [notes, setNotes] = useState(run.notes);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const parsed = parseTags(tags);
  const nameError = name.trim() ? (name.trim().length > 200 ? 'Name: at most 200 characters' : null) : 'Name: required';

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
    };
  }, []);

  const save = async () => {
    if (nameError || parsed.error) return;
    setBusy(true);
    setError(null);
    try {
      await updateRun(run.id, { name: name.trim(), tags: parsed.tags, notes });
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="dialog dialog-wide"
      aria-labelledby={`${id}-title`}
      data-testid="edit-run-dialog"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2 id={`${id}-title`}>Edit run</h2>
        <p className="muted small mono">{run.id}</p>
        <div className="field">
          <label htmlFor={`${id}-name`}>Run name</label>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={200}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? `${id}-name-err` : undefined}
            data-testid="edit-run-name"
          />
          {nameError && (
            <p id={`${id}-name-err`} className="error-text small" role="alert">
              {nameError}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-tags`}>Tags</label>
          <input
            id={`${id}-tags`}
            value={tags}
            onChange={(e) => setTags(e.target.value)}
            placeholder="baseline, lr-sweep"
            aria-describedby={`${id}-tags-help`}
            aria-invalid={parsed.error ? true : undefined}
            data-testid="edit-run-tags"
          />
          <p id={`${id}-tags-help`} className={parsed.error ? 'error-text small' : 'muted small'} role={parsed.error ? 'alert' : undefined}>
            {parsed.error ?? 'Comma-separated; up to 20 tags of at most 50 characters.'}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-notes`}>Notes</label>
          <textarea id={`${id}-notes`} value={notes} onChange={(e) => setNotes(e.target.value)} rows={5} maxLength={20_000} data-testid="edit-run-notes" />
        </div>
        {error && (
          <p className="error-text" role="alert" data-testid="edit-run-error">
            Could not save: {error}
          </p>
        )}
        <div className="form-actions dialog-actions">
          <button type="button" className="btn" onClick={onClose} disabled={busy} data-testid="edit-run-cancel">
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !!nameError || !!parsed.error} data-testid="edit-run-save">
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
