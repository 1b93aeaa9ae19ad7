import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../shared/api';
import { RunSpec } from '../../../shared/run-spec';
import { EMPTY_FILTER, facets, matchesFilter, parseTags, runDataset, sortRuns } from './run-filters';
import { testRun } from '../../testing/run-record';

const lenet = RunSpec.parse({ preset: 'lenet5-mnist', params: {} });
const lm = RunSpec.parse({ preset: 'mlbl-b', params: { dataset: 'flickr8k-mini', extractor: '/models/mobilenet/model.json' } });
const lmCsv = RunSpec.parse({ preset: 'lbl', params: { captions: '/data/flickr/captions.csv' } });

function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return testRun({ id, spec: lenet, createdAt: 0, startedAt: null, endedAt: null, backend: 'wasm', ...over });
}

const runs = [
  run('a', { name: 'baseline lr', createdAt: 3, tags: ['sweep'], summary: { val_accuracy: 0.97, loss: 0.1 }, startedAt: 10, endedAt: 70 }),
  run('b', { name: 'Bigger batch', createdAt: 2, status: 'failed', summary: { val_accuracy: 0.91 }, backend: null, notes: 'OOM on batch 4096' }),
  run('c', {
    name: 'captions',
    preset: 'mlbl-b',
    spec: lm,
    createdAt: 1,
    status: 'running',
    tags: ['lm', 'sweep'],
    summary: { val_perplexity: 30 },
    startedAt: 5,
  }),
  run('d', { name: 'text only', preset: 'lbl', spec: lmCsv, createdAt: 4, status: 'queued', queuePosition: 1 }),
];

describe('runDataset', () => {
  it('names MNIST, a dataset id or the captions file', () => {
    expect(runs.map(runDataset)).toEqual(['mnist', 'mnist', 'flickr8k-mini', 'flickr/captions.csv']);
  });
});

describe('matchesFilter', () => {
  const ids = (f: Partial<typeof EMPTY_FILTER>) => runs.filter((r) => matchesFilter(r, { ...EMPTY_FILTER, ...f })).map((r) => r.id);
  it('filters by status, preset, dataset and tag', () => {
    expect(ids({})).toEqual(['a', 'b', 'c', 'd']);
    expect(ids({ status: 'failed' })).toEqual(['b']);
    expect(ids({ preset: 'mlbl-b' })).toEqual(['c']);
    expect(ids({ dataset: 'mnist' })).toEqual(['a', 'b']);
    expect(ids({ tag: 'sweep' })).toEqual(['a', 'c']);
    expect(ids({ tag: 'sweep', status: 'running' })).toEqual(['c']);
  });
  it('searches name, id, tags and notes, every word, ignoring case', () => {
    expect(ids({ search: 'BIGGER' })).toEqual(['b']);
    expect(ids({ search: 'oom' })).toEqual(['b']);
    expect(ids({ search: 'lm sweep' })).toEqual(['c']);
    expect(ids({ search: 'baseline nothing' })).toEqual([]);
  });
});

describe('sortRuns', () => {
  const order = (column: Parameters<typeof sortRuns>[1]['column'], dir: 'asc' | 'desc') => sortRuns(runs, { column, dir }, 100).map((r) => r.id);
  it('sorts by any column both ways, runs without a value last', () => {
    expect(order('created', 'desc')).toEqual(['d', 'a', 'b', 'c']);
    expect(order('created', 'asc')).toEqual(['c', 'b', 'a', 'd']);
    expect(order('name', 'asc')).toEqual(['a', 'b', 'c', 'd']);
    expect(order('val_accuracy', 'desc')).toEqual(['a', 'b', 'd', 'c']);
    expect(order('val_accuracy', 'asc')).toEqual(['b', 'a', 'd', 'c']);
    expect(order('backend', 'asc')).toEqual(['d', 'a', 'c', 'b']);
    expect(order('duration', 'desc')).toEqual(['c', 'a', 'd', 'b']);
    expect(order('status', 'asc')).toEqual(['a', 'b', 'd', 'c']);
  });
});

describe('facets and tags', () => {
  it('lists the values each filter can take', () => {
    expect(facets(runs)).toEqual({
      statuses: ['completed', 'failed', 'queued', 'running'],
      presets: ['lbl', 'lenet5-mnist', 'mlbl-b'],
      datasets: ['flickr/captions.csv', 'flickr8k-mini', 'mnist'],
      tags: ['lm', 'sweep'],
    });
  });
  it('parses comma-separated tags and names a bad one', () => {
    expect(parseTags(' a, b ,, a ')).toEqual({ tags: ['a', 'b'], error: null });
    expect(parseTags('x'.repeat(51)).error).toMatch(/longer than 50/);
    expect(parseTags(Array.from({ length: 21 }, (_, i) => `t${i}`).join(',')).error).toMatch(/At most 20/);
  });
});
