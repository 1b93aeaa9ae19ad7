import { useSyncExternalStore } from 'react';

/** Chart colours (SVG attributes cannot use the CSS variables of styles.css reliably). Keep in step with it. */
export interface ChartColors {
  main: string;
  raw: string;
  alt: string;
  grid: string;
  axis: string;
  surface: string;
}

const LIGHT: ChartColors = { main: '#2f6fde', raw: 'rgba(47, 111, 222, 0.28)', alt: '#d9822b', grid: '#e3e6eb', axis: '#5f6b7a', surface: '#ffffff' };
const DARK: ChartColors = { main: '#6ea1ff', raw: 'rgba(110, 161, 255, 0.3)', alt: '#f0a35e', grid: '#2a303b', axis: '#97a1b0', surface: '#1a1e26' };

const QUERY = '(prefers-color-scheme: dark)';

function subscribe(cb: () => void): () => void {
  const mq = window.matchMedia(QUERY);
  mq.addEventListener('change', cb);
  return () => mq.removeEventListener('change', cb);
}

export function useChartColors(): ChartColors {
  const dark = useSyncExternalStore(subscribe, () => window.matchMedia(QUERY).matches);
  return dark ? DARK : LIGHT;
}
