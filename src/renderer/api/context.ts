import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Api } from '../../shared/api';
import type { ApiClient } from './api-client';
import type { AppState, AppStore } from './store';

export interface AppContextValue {
  client: ApiClient;
  store: AppStore;
}

export const AppContext = createContext<AppContextValue | null>(null);

function useAppContext(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('AppContext missing: render inside <AppContext.Provider>');
  return ctx;
}

/** Selects from the application store; re-renders when the selected value changes. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useAppContext().store, selector);
}

export function useAppActions(): AppState {
  return useAppContext().store.getState();
}

export function useApi(): Api {
  return useAppContext().client.api;
}

export function useClient(): ApiClient {
  return useAppContext().client;
}
