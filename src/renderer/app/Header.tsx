import type { Route } from './route';
import { hrefFor } from './route';
import { useApp } from '../api/context';
import { useTheme } from './theme';

export function Header({ route, onHelp }: { route: Route; onHelp?: () => void }) {
  const { theme, toggle } = useTheme();
  const backend = useApp((s) => s.system?.defaultBackend ?? null);
  const connection = useApp((s) => s.connection.status);
  return (
    <header className="header">
      <a className="brand" href={hrefFor.runs()}>
        <span className="brand-mark" aria-hidden="true">
          ◧
        </span>{' '}
        MLBL Workbench
      </a>
      <nav className="nav" aria-label="Main">
        <a
          href={hrefFor.runs()}
          aria-current={route.page === 'runs' || route.page === 'run' || route.page === 'compare' ? 'page' : undefined}
          data-testid="nav-runs"
          aria-keyshortcuts="r"
        >
          Runs
        </a>
        <a href={hrefFor.newRun()} aria-current={route.page === 'new' ? 'page' : undefined} data-testid="nav-new-run">
          New run
        </a>
        <a href={hrefFor.sweeps()} aria-current={route.page === 'sweeps' || route.page === 'sweep' ? 'page' : undefined} data-testid="nav-sweeps">
          Sweeps
        </a>
        <a
          href={hrefFor.datasets()}
          aria-current={route.page === 'datasets' || route.page === 'dataset' || route.page === 'dataset-import' ? 'page' : undefined}
          data-testid="nav-datasets"
        >
          Datasets
        </a>
        <a href={hrefFor.playground()} aria-current={route.page === 'playground' ? 'page' : undefined} data-testid="nav-playground">
          Playground
        </a>
        <a href={hrefFor.explore()} aria-current={route.page === 'explore' ? 'page' : undefined} data-testid="nav-explore">
          Caption explorer
        </a>
      </nav>
      <div className="header-right">
        {backend && (
          <span className="chip" title="Default compute backend" data-testid="header-backend">
            backend: {backend}
          </span>
        )}
        <button
          type="button"
          className="btn btn-small icon-btn"
          onClick={toggle}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme (t)`}
          aria-keyshortcuts="t"
          data-testid="theme-toggle"
          data-theme={theme}
        >
          <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
        </button>
        {onHelp && (
          <button
            type="button"
            className="btn btn-small icon-btn"
            onClick={onHelp}
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
            aria-keyshortcuts="?"
            data-testid="shortcuts-button"
          >
            <span aria-hidden="true">?</span>
          </button>
        )}
        <span className={`dot dot-${connection}`} role="img" aria-label={`Connection: ${connection}`} title={`Connection: ${connection}`} />
      </div>
    </header>
  );
}
