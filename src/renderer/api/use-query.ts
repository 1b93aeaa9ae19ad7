import { useCallback, useEffect, useState } from 'react';
import { useApp } from './context';

export interface QueryState<T> {
  /** The last answer; it may belong to a previous key while the next one loads (see `fresh`). */
  data: T | null;
  /** True when `data` answers the current key. */
  fresh: boolean;
  error: string | null;
  /** True until the answer for the current key (and reload) arrived. */
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` whenever `key` changes (and after a reconnect), keeping the last answer while the
 * next one is on its way. Late answers for an old key are dropped.
 */
export function useQuery<T>(key: string | null, load: () => Promise<T>): QueryState<T> {
  const [nonce, setNonce] = useState(0);
  const connected = useApp((s) => s.connection.status === 'open');
  const full = key === null ? null : `${key}#${nonce}`;
  const [state, setState] = useState<{ key: string | null; data: T | null; error: string | null }>({ key: null, data: null, error: null });

  useEffect(() => {
    if (full === null || !connected) return;
    let live = true;
    load().then(
      (data) => {
        if (live) setState({ key: full, data, error: null });
      },
      (err: unknown) => {
        if (live) setState((s) => ({ key: full, data: s.data, error: err instanceof Error ? err.message : String(err) }));
      },
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure every render; `key` says when it asks for something else.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [full, connected]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return {
    data: state.data,
    fresh: state.key === full && state.error === null,
    error: state.key === full ? state.error : null,
    loading: state.key !== full,
    reload,
  };
}
