import { useEffect, useId, useRef } from 'react';
import { SHORTCUTS } from './shortcuts';

/** The `?` overlay listing the keyboard shortcuts (a modal <dialog>: Escape closes it). */
export function ShortcutsHelp({ onClose }: { onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      data-testid="shortcuts-help"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <h2 id={`${id}-title`}>Keyboard shortcuts</h2>
      <table className="mini-table shortcuts-table">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}>
              <th scope="row">
                <kbd>{s.keys}</kbd>
              </th>
              <td>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Shortcuts are off while you type in a field.</p>
      <div className="form-actions dialog-actions">
        <button type="button" className="btn" onClick={onClose} autoFocus data-testid="shortcuts-close">
          Close
        </button>
      </div>
    </dialog>
  );
}
