import type { Route } from '../route';
import { hrefFor } from '../route';
import { useApp } from '../context';

export function Header({ route }: { route: Route }) {
  const backend = useApp((s) => s.system?.defaultBackend ?? null);
  const connection = useApp((s) => s.connection.status);
  return (
    <header className="header">
      <a className="brand" href={hrefFor.runs()}>
        <span className="brand-mark" aria-hidden="true">◧</span> MLBL Workbench
      </a>
      <nav className="nav" aria-label="Main">
        <a href={hrefFor.runs()} aria-current={route.page === 'runs' || route.page === 'run' ? 'page' : undefined} data-testid="nav-runs">
          Runs
        </a>
        <a href={hrefFor.newRun()} aria-current={route.page === 'new' ? 'page' : undefined} data-testid="nav-new-run">
          New run
        </a>
        <a href={hrefFor.datasets()} aria-current={route.page === 'datasets' || route.page === 'dataset' || route.page === 'dataset-import' ? 'page' : undefined} data-testid="nav-datasets">
          Datasets
        </a>
      </nav>
      <div className="header-right">
        {backend && (
          <span className="chip" title="Default compute backend" data-testid="header-backend">
            backend: {backend}
          </span>
        )}
        <span className={`dot dot-${connection}`} role="img" aria-label={`Connection: ${connection}`} title={`Connection: ${connection}`} />
      </div>
    </header>
  );
}
