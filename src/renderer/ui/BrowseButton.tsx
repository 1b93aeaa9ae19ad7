/**
 * "Browse…" beside a typed path: the native dialog in the desktop app; not shown in a browser,
 * where the path is typed (native-dialogs.ts).
 */
import { useState } from 'react';
import { useApi, useClient } from '../api/context';
import { pickPath } from '../lib/native-dialogs';

export function BrowseButton(p: {
  kind: 'file' | 'folder';
  title: string;
  filters?: { name: string; extensions: string[] }[];
  onPick: (path: string) => void;
  disabled?: boolean;
  testId?: string;
  label?: string;
}) {
  const api = useApi();
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  if (client.transport !== 'ipc') return null;
  const browse = async () => {
    setError(null);
    try {
      const picked = await pickPath(api, p.kind, p.title, p.filters);
      if (picked) p.onPick(picked);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <button type="button" className="btn btn-small" disabled={p.disabled} onClick={() => void browse()} title={error ?? p.title} data-testid={p.testId}>
      {p.label ?? 'Browse…'}
    </button>
  );
}
