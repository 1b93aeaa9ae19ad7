/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { MetricPoint, RunRecord } from '../../../shared/api';
import { MetricChart } from './MetricChart';
import { RunCharts } from './RunCharts';

afterEach(cleanup);

const pts = (values: number[]): MetricPoint[] => values.map((value, i) => ({ step: (i + 1) * 100, epoch: i + 1, value, wallTime: i }));
const lmRun = { id: 'r', preset: 'mlbl-b', spec: { preset: 'mlbl-b', params: {} }, summary: {} } as unknown as RunRecord;

describe('RunCharts', () => {
  it('picks the loss and, for a language model, validation perplexity; the headline is the last raw value', () => {
    const series = { loss: pts([5, 4, 3.5]), val_perplexity: pts([1397, 41, 33, 29, 27.1]) };
    render(<RunCharts run={lmRun} series={series} totals={{ loss: 10, val_perplexity: 5 }} downsample="minmax" onDownsample={() => undefined} />);
    const second = screen.getByTestId('accuracy-chart');
    expect(second.getAttribute('data-metric')).toBe('val_perplexity');
    // Issue 18, problem 2: smoothing must not bend the per-epoch headline (27.1, not ~530).
    expect(screen.getByTestId('last-val-perplexity').textContent).toBe('27.1');
    expect(screen.getByTestId('loss-chart-count').textContent).toBe('3 of 10 points');
    fireEvent.change(screen.getByTestId('accuracy-chart-key'), { target: { value: 'loss' } });
    expect(screen.getByTestId('accuracy-chart').getAttribute('data-metric')).toBe('loss');
  });

  it('says when a metric has no values yet', () => {
    render(<RunCharts run={lmRun} series={{ loss: pts([1]) }} totals={{}} downsample="lttb" onDownsample={() => undefined} />);
    expect(screen.getByTestId('accuracy-chart').textContent).toContain('No validation perplexity values yet.');
  });
});

describe('MetricChart', () => {
  const view = { xAxis: 'step' as const, smoothing: 0.6, logScale: false };
  it('draws nothing for an empty series and says so', () => {
    render(<MetricChart metric="loss" series={[{ id: 'a', label: 'a', color: '#000', points: [] }]} {...view} empty="Nothing yet." />);
    expect(screen.getByText('Nothing yet.')).toBeTruthy();
  });

  it('refuses a log scale without positive values', () => {
    render(<MetricChart metric="loss" series={[{ id: 'a', label: 'a', color: '#000', points: pts([0, -1]) }]} {...view} logScale />);
    expect(screen.getByText('No positive values to draw on a log scale.')).toBeTruthy();
  });
});
