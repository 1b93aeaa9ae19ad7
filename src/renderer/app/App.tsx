import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import { useApp } from '../api/context';
import { useRoute, hrefFor, navigate, type Route } from './route';
import { isEditableElement, shortcutFor } from './shortcuts';
import { setThemePreference, useTheme } from './theme';
import { ErrorBoundary } from '../ui/ErrorBoundary';
import { ShortcutsHelp } from './ShortcutsHelp';
import { ConnectionBanner } from './ConnectionBanner';
import { Header } from './Header';
import { SystemFooter } from './SystemFooter';

// One chunk per page, loaded on first visit: the first chunk holds only the shell.
const RunsList = lazy(() => import('../features/runs/RunsList').then((m) => ({ default: m.RunsList })));
const NewRunForm = lazy(() => import('../features/new-run/NewRunForm').then((m) => ({ default: m.NewRunForm })));
const RunPage = lazy(() => import('../features/run-page/RunPage').then((m) => ({ default: m.RunPage })));
const SweepsList = lazy(() => import('../features/sweeps/SweepsList').then((m) => ({ default: m.SweepsList })));
const SweepPage = lazy(() => import('../features/sweeps/SweepPage').then((m) => ({ default: m.SweepPage })));
const ComparePage = lazy(() => import('../features/compare/ComparePage').then((m) => ({ default: m.ComparePage })));
const DatasetsList = lazy(() => import('../features/datasets/DatasetsList').then((m) => ({ default: m.DatasetsList })));
const ImportWizard = lazy(() => import('../features/datasets/ImportWizard').then((m) => ({ default: m.ImportWizard })));
const DatasetPage = lazy(() => import('../features/datasets/DatasetPage').then((m) => ({ default: m.DatasetPage })));
const ExplorePage = lazy(() => import('../features/explorer/ExplorePage').then((m) => ({ default: m.ExplorePage })));
const Playground = lazy(() => import('../features/playground/Playground').then((m) => ({ default: m.Playground })));

/** A page behind its own error boundary and loading state; App keys it by page and id, so another page starts clean. */
function Page({ name, children }: { name: string; children: ReactNode }) {
  return (
    <ErrorBoundary page={name}>
      <Suspense
        fallback={
          <p className="muted" data-testid="page-loading">
            Loading…
          </p>
        }
      >
        {children}
      </Suspense>
    </ErrorBoundary>
  );
}

export function App() {
  const route = useRoute();
  const [help, setHelp] = useState(false);
  useShortcuts(useCallback(() => setHelp((h) => !h), []));
  // A new page starts at its top, not at the last page's scroll offset (which landed on the run's logs).
  const key = pageKey(route);
  // A block body: Chromium's scrollTo returns a Promise, which React would call as the effect's cleanup.
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [key]);
  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <Header route={route} onHelp={() => setHelp(true)} />
      <ConnectionBanner />
      <main className="main" id="main" tabIndex={-1} key={key}>
        {route.page === 'runs' && (
          <Page name="the runs list">
            <RunsList sweep={route.sweep ?? null} />
          </Page>
        )}
        {route.page === 'new' && (
          <Page name="the new-run form">
            <NewRunForm key={route.from ?? ''} from={route.from} />
          </Page>
        )}
        {route.page === 'run' && (
          <Page name="the run page">
            <RunPage key={route.id} runId={route.id} />
          </Page>
        )}
        {route.page === 'sweeps' && (
          <Page name="the sweeps list">
            <SweepsList />
          </Page>
        )}
        {route.page === 'sweep' && (
          <Page name="the sweep page">
            <SweepPage key={route.id} sweepId={route.id} />
          </Page>
        )}
        {route.page === 'compare' && (
          <Page name="Compare">
            <ComparePage key={route.ids.join(',')} ids={route.ids} />
          </Page>
        )}
        {route.page === 'datasets' && (
          <Page name="the datasets list">
            <DatasetsList />
          </Page>
        )}
        {route.page === 'dataset-import' && (
          <Page name="the import wizard">
            <ImportWizard />
          </Page>
        )}
        {route.page === 'dataset' && (
          <Page name="the dataset page">
            <DatasetPage key={route.id} route={route} />
          </Page>
        )}
        {route.page === 'explore' && (
          <Page name="the explorer">
            <ExplorePage runId={route.runId} />
          </Page>
        )}
        {route.page === 'playground' && (
          <Page name="the playground">
            <Playground />
          </Page>
        )}
        {route.page === 'not-found' && (
          <section className="panel" data-testid="not-found">
            <h1>Page not found</h1>
            <p>
              Nothing lives at <code>{route.path}</code>. <a href={hrefFor.runs()}>Back to the runs</a>.
            </p>
          </section>
        )}
      </main>
      <SystemFooter />
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

/** Which page instance is shown: filters and item changes (same key) keep the page's state. */
function pageKey(route: Route): string {
  return 'id' in route ? `${route.page}/${route.id}` : route.page;
}

/** The global keys of shortcuts.ts; inactive while typing in a field or while a dialog is open. */
function useShortcuts(toggleHelp: () => void): void {
  const { theme } = useTheme();
  const selected = useApp((s) => s.selected);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat) return;
      const action = shortcutFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        editable: isEditableElement(e.target instanceof Element ? e.target : null),
        dialogOpen: document.querySelector('dialog[open]') !== null,
      });
      if (!action) return;
      switch (action) {
        case 'help':
          toggleHelp();
          break;
        case 'new-run':
          navigate(hrefFor.newRun());
          break;
        case 'runs':
          navigate(hrefFor.runs());
          break;
        case 'datasets':
          navigate(hrefFor.datasets());
          break;
        case 'search': {
          const el = [...document.querySelectorAll<HTMLElement>('[data-shortcut="search"], input[type="search"]')].find((x) => x.offsetParent !== null);
          if (!el) return;
          el.focus();
          break;
        }
        case 'compare': {
          if (selected.length < 2) return;
          navigate(hrefFor.compare(selected));
          break;
        }
        case 'theme':
          setThemePreference(theme === 'dark' ? 'light' : 'dark');
          break;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggleHelp, theme, selected]);
}
