import { useRoute, hrefFor } from '../route';
import { ConnectionBanner } from './ConnectionBanner';
import { Header } from './Header';
import { NewRunForm } from './NewRunForm';
import { RunPage } from './RunPage';
import { RunsList } from './RunsList';
import { SystemFooter } from './SystemFooter';
import { DatasetPage } from './datasets/DatasetPage';
import { DatasetsList } from './datasets/DatasetsList';
import { ImportWizard } from './datasets/ImportWizard';

export function App() {
  const route = useRoute();
  return (
    <div className="app">
      <Header route={route} />
      <ConnectionBanner />
      <main className="main" id="main">
        {route.page === 'runs' && <RunsList />}
        {route.page === 'new' && <NewRunForm />}
        {route.page === 'run' && <RunPage key={route.id} runId={route.id} />}
        {route.page === 'datasets' && <DatasetsList />}
        {route.page === 'dataset-import' && <ImportWizard />}
        {route.page === 'dataset' && <DatasetPage key={route.id} route={route} />}
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
    </div>
  );
}
