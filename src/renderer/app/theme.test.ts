import { describe, expect, it } from 'vitest';
import { faint, parsePreference, resolveTheme } from './theme';
import { DEFAULT_VIEW, parseChartView } from '../ui/charts/use-chart-view';

describe('theme preference', () => {
  it('reads only known values and follows the OS for "system"', () => {
    expect(parsePreference('dark')).toBe('dark');
    expect(parsePreference('light')).toBe('light');
    expect(parsePreference('purple')).toBe('system');
    expect(parsePreference(null)).toBe('system');
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(faint('#2f6fde', 0.5)).toBe('rgba(47, 111, 222, 0.5)');
  });

  it('restores a stored chart view field by field', () => {
    expect(parseChartView(JSON.stringify({ xAxis: 'wall', smoothing: 0.9, logScale: true }))).toEqual({ xAxis: 'wall', smoothing: 0.9, logScale: true });
    expect(parseChartView(JSON.stringify({ xAxis: 'time', smoothing: 2, logScale: 'yes' }))).toEqual(DEFAULT_VIEW);
    expect(parseChartView('{not json')).toEqual(DEFAULT_VIEW);
    expect(parseChartView(null)).toEqual(DEFAULT_VIEW);
  });
});
