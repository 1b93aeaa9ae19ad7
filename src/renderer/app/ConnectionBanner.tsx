import { useEffect, useState } from 'react';
import { useApp, useClient } from '../api/context';

/** Shown while the WebSocket is not open (never over IPC, which is always connected). */
export function ConnectionBanner() {
  const connection = useApp((s) => s.connection);
  const client = useClient();
  const [now, setNow] = useState(() => Date.now());
  const closed = connection.status === 'closed';
  useEffect(() => {
    if (!closed) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [closed]);

  if (connection.status === 'open') return null;
  if (connection.status === 'connecting') {
    return (
      <div className="banner banner-info" role="status" data-testid="connection-banner" data-state="connecting">
        {connection.attempt === 0 ? 'Connecting to the workbench server…' : `Reconnecting to the workbench server (attempt ${connection.attempt + 1})…`}
      </div>
    );
  }
  const wait = Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
  return (
    <div className="banner banner-error" role="alert" data-testid="connection-banner" data-state="closed">
      <strong>Not connected.</strong> {connection.reason}.{' '}
      {connection.unauthorized && (
        <>
          Open the address printed by <code>mlbl serve</code>, which includes <code>?token=…</code>.{' '}
        </>
      )}
      {Number.isFinite(connection.retryAt) && <>Retrying in {wait} s. </>}
      <button type="button" className="btn btn-small" onClick={() => client.reconnectNow()}>
        Retry now
      </button>
    </div>
  );
}
