import { useSyncExternalStore } from 'react';

export type Route = { page: 'runs' } | { page: 'new' } | { page: 'run'; id: string } | { page: 'not-found'; path: string };

/** `#/`, `#/new`, `#/runs/ID`. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/runs') return { page: 'runs' };
  if (path === '/new') return { page: 'new' };
  const m = /^\/runs\/([A-Za-z0-9_-]{1,64})$/.exec(path);
  if (m) return { page: 'run', id: m[1] as string };
  return { page: 'not-found', path };
}

export const hrefFor = {
  runs: () => '#/',
  newRun: () => '#/new',
  run: (id: string) => `#/runs/${encodeURIComponent(id)}`,
};

export function navigate(href: string): void {
  window.location.hash = href.replace(/^#/, '');
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}

export function useRoute(): Route {
  return parseHash(useHash());
}
