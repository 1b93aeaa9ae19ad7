import { useEffect, useState } from 'react';
import type { ArtefactRecord } from '../../../shared/api';
import { useApi, useApp } from '../../api/context';

export interface ArtefactsState {
  list: ArtefactRecord[];
  loaded: boolean;
  error: string | null;
}

function merge(a: readonly ArtefactRecord[], b: readonly ArtefactRecord[]): ArtefactRecord[] {
  const byId = new Map<number, ArtefactRecord>();
  for (const x of a) byId.set(x.id, x);
  for (const x of b) byId.set(x.id, x);
  return [...byId.values()].sort((x, y) => x.epoch - y.epoch || x.step - y.step || x.id - y.id);
}

/** A run's artefacts of one kind: loaded once (and after a reconnect), then kept live from `run.artefact` events. */
export function useRunArtefacts(runId: string, kind: string): ArtefactsState {
  const api = useApi();
  const connected = useApp((s) => s.connection.status === 'open');
  const [state, setState] = useState<ArtefactsState & { key: string }>({ key: '', list: [], loaded: false, error: null });
  const key = `${runId}:${kind}`;

  useEffect(() => {
    if (!connected) return;
    let live = true;
    const off = api.on('run.artefact', (a) => {
      if (!live || a.runId !== runId || a.kind !== kind) return;
      setState((s) => (s.key === key ? { ...s, list: merge(s.list, [a]) } : { key, list: [a], loaded: false, error: null }));
    });
    api.call('runs.artefacts', { id: runId, kind }).then(
      (list) => {
        if (live) setState((s) => ({ key, list: merge(list, s.key === key ? s.list : []), loaded: true, error: null }));
      },
      (err: unknown) => {
        if (live) setState((s) => ({ key, list: s.key === key ? s.list : [], loaded: true, error: err instanceof Error ? err.message : String(err) }));
      },
    );
    return () => {
      live = false;
      off();
    };
  }, [api, runId, kind, key, connected]);

  return state.key === key ? state : { list: [], loaded: false, error: null };
}
