import { useCallback, useEffect, useState } from 'react';
import { useApp } from '../api/context';
import { useRoute, hrefFor, navigate } from './route';
import { isEditableElement, shortcutFor } from './shortcuts';
import { setThemePreference, useTheme } from './theme';
import { ComparePage } from '../features/compare/ComparePage';
import { ShortcutsHelp } from './ShortcutsHelp';
import { ConnectionBanner } from './ConnectionBanner';
import { Header } from './Header';
import { NewRunForm } from '../features/new-run/NewRunForm';
import { RunPage } from '../features/run-page/RunPage';
import { RunsList } from '../features/runs/RunsList';
import { SystemFooter } from './SystemFooter';
import { DatasetPage } from '../features/datasets/DatasetPage';
import { DatasetsList } from '../features/datasets/DatasetsList';
import { ImportWizard } from '../features/datasets/ImportWizard';
import { Playground } from '../features/playground/Playground';
import { ExplorePage } from '../features/explorer/ExplorePage';

export function App() {
  const route = useRoute();
  const [help, setHelp] = useState(false);
  useShortcuts(useCallback(() => setHelp((h) => !h), []));
  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <Header route={route} onHelp={() => setHelp(true)} />
      <ConnectionBanner />
      <main className="main" id="main" tabIndex={-1}>
        {route.page === 'runs' && <RunsList />}
        {route.page === 'new' && <NewRunForm />}
        {route.page === 'run' && <RunPage key={route.id} runId={route.id} />}
        {route.page === 'compare' && <ComparePage key={route.ids.join(',')} ids={route.ids} />}
        {route.page === 'datasets' && <DatasetsList />}
        {route.page === 'dataset-import' && <ImportWizard />}
        {route.page === 'dataset' && <DatasetPage key={route.id} route={route} />}
        {route.page === 'explore' && <ExplorePage runId={route.runId} />}
        {route.page === 'playground' && <Playground />}
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
