import { useSyncExternalStore } from 'react';

/**
 * Light and dark themes. The preference ('system' follows the OS) is kept in localStorage and set
 * as `data-theme` on <html>, which styles.css reads; charts take their colours from here (SVG
 * attributes cannot use the CSS variables reliably). Keep the colours in step with styles.css.
 */
export type ThemePreference = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export interface ChartColors {
  main: string;
  raw: string;
  alt: string;
  grid: string;
  axis: string;
  surface: string;
  /** One colour per run on the compare page (and per extra series), cycled. */
  series: readonly string[];
}

const LIGHT: ChartColors = {
  main: '#2f6fde',
  raw: 'rgba(47, 111, 222, 0.28)',
  alt: '#d9822b',
  grid: '#e3e6eb',
  axis: '#5f6b7a',
  surface: '#ffffff',
  series: ['#2f6fde', '#d9822b', '#2e8b57', '#c23b3b', '#7b4fd0', '#0e8a8a', '#b8860b', '#d0479a', '#5b6b7f', '#6b8e23'],
};
const DARK: ChartColors = {
  main: '#6ea1ff',
  raw: 'rgba(110, 161, 255, 0.3)',
  alt: '#f0a35e',
  grid: '#2a303b',
  axis: '#97a1b0',
  surface: '#1a1e26',
  series: ['#6ea1ff', '#f0a35e', '#5cc98a', '#f07070', '#b18cff', '#4fd1c5', '#e0c050', '#f38bc8', '#a0aec0', '#a3d160'],
};

/** `rgba()` of a #rrggbb colour, for the faint raw line behind a smoothed one. */
export function faint(hex: string, alpha = 0.28): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1] as string, 16)}, ${parseInt(m[2] as string, 16)}, ${parseInt(m[3] as string, 16)}, ${alpha})`;
}

export const THEME_KEY = 'mlbl.theme';
const QUERY = '(prefers-color-scheme: dark)';
const listeners = new Set<() => void>();

export function parsePreference(v: string | null | undefined): ThemePreference {
  return v === 'light' || v === 'dark' ? v : 'system';
}

function readPreference(): ThemePreference {
  try {
    return parsePreference(window.localStorage.getItem(THEME_KEY));
  } catch {
    return 'system';
  }
}

const systemDark = (): boolean => typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia(QUERY).matches;

export function resolveTheme(pref: ThemePreference, osDark: boolean): Theme {
  return pref === 'system' ? (osDark ? 'dark' : 'light') : pref;
}

/** Sets `data-theme` on <html> (also at start-up, before the first render: see main.tsx / applyTheme). */
export function applyTheme(): void {
  const pref = readPreference();
  const el = document.documentElement;
  el.dataset.theme = resolveTheme(pref, systemDark());
  el.dataset.themePreference = pref;
}

export function setThemePreference(pref: ThemePreference): void {
  try {
    if (pref === 'system') window.localStorage.removeItem(THEME_KEY);
    else window.localStorage.setItem(THEME_KEY, pref);
  } catch {
    // Storage may be unavailable (private mode): the choice then lasts for this page only.
  }
  memo = pref;
  applyTheme();
  for (const l of listeners) l();
}

let memo: ThemePreference | null = null;

function subscribe(cb: () => void): () => void {
  const mq = window.matchMedia(QUERY);
  const onOs = () => {
    applyTheme();
    cb();
  };
  const onStorage = (e: StorageEvent) => {
    if (e.key !== THEME_KEY) return;
    memo = parsePreference(e.newValue);
    applyTheme();
    cb();
  };
  mq.addEventListener('change', onOs);
  window.addEventListener('storage', onStorage);
  listeners.add(cb);
  return () => {
    mq.removeEventListener('change', onOs);
    window.removeEventListener('storage', onStorage);
    listeners.delete(cb);
  };
}

const snapshot = (): string => `${memo ?? (memo = readPreference())}|${systemDark() ? 'dark' : 'light'}`;

export function useTheme(): { preference: ThemePreference; theme: Theme; toggle(): void; setPreference(p: ThemePreference): void } {
  const snap = useSyncExternalStore(subscribe, snapshot);
  const [pref, os] = snap.split('|') as [ThemePreference, Theme];
  const theme = resolveTheme(pref, os === 'dark');
  return {
    preference: pref,
    theme,
    toggle: () => setThemePreference(theme === 'dark' ? 'light' : 'dark'),
    setPreference: setThemePreference,
  };
}

export function useChartColors(): ChartColors {
  return useTheme().theme === 'dark' ? DARK : LIGHT;
}

// Before the first render, so the page never flashes the other theme.
if (typeof document !== 'undefined' && typeof window !== 'undefined') applyTheme();
