import { useApp, useClient } from '../api/context';

export function SystemFooter() {
  const system = useApp((s) => s.system);
  const error = useApp((s) => s.systemError);
  const client = useClient();
  return (
    <footer className="footer" data-testid="system-info">
      {system ? (
        <dl className="footer-facts">
          <div>
            <dt>Backend</dt>
            <dd data-testid="system-backend">{system.defaultBackend}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd data-testid="system-backends">
              {system.backends
                .filter((b) => b.available)
                .map((b) => b.name)
                .join(', ') || 'none'}
              {system.backends.some((b) => !b.available) && (
                <span className="muted">
                  {' '}
                  (not here:{' '}
                  {system.backends
                    .filter((b) => !b.available)
                    .map((b, i) => (
                      <span key={b.name}>
                        {i > 0 && ', '}
                        <abbr title={b.reason ?? 'unavailable'}>{b.name}</abbr>
                      </span>
                    ))}
                  )
                </span>
              )}
            </dd>
          </div>
          <div>
            <dt>Data directory</dt>
            <dd>
              <code data-testid="system-data-dir">{system.dataDir}</code>
            </dd>
          </div>
          <div>
            <dt>Transport</dt>
            <dd>{system.transport ?? client.transport}</dd>
          </div>
          <div>
            <dt>Versions</dt>
            <dd className="versions">
              {Object.entries(system.versions)
                .map(([k, v]) => `${k} ${v}`)
                .join(' · ')}
            </dd>
          </div>
        </dl>
      ) : (
        <span className="muted">{error ? `System info unavailable: ${error}` : 'Loading system info…'}</span>
      )}
    </footer>
  );
}
