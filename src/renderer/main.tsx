import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/api-client';
import { createAppStore } from './api/store';
import { AppContext } from './api/context';
import { App } from './app/App';
import { QueryClientProvider } from '@tanstack/react-query';
import { connectQueriesToEvents, createQueryClient } from './api/queries';
import './styles.css';
import './ui/ui.css';

const client = createApiClient();
const store = createAppStore(client);
const queryClient = createQueryClient();
connectQueriesToEvents(client, queryClient);
window.addEventListener('online', () => client.reconnectNow());

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('#root missing from index.html');
createRoot(rootEl).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <AppContext.Provider value={{ client, store }}>
        <App />
      </AppContext.Provider>
    </QueryClientProvider>
  </StrictMode>,
);
