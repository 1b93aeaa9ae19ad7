import { describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../../shared/dataset-schema';
import { captionMatches, columnsFromError, highlight, previewEstimate, progressPercent, searchTerms } from './dataset-format';
import { defaultImportFields, importOptionsOf, sourceKey, sourceOf } from './import-schema';
import { parseHash, hrefFor } from '../../app/route';

describe('dataset helpers', () => {
  it('matches captions like the server search (all words, prefix with *)', () => {
    expect(captionMatches('A black dog runs .', searchTerms('dog'))).toBe(true);
    expect(captionMatches('Two dogs play .', searchTerms('dog'))).toBe(false);
    expect(captionMatches('Two dogs play .', searchTerms('dog*'))).toBe(true);
    expect(captionMatches('A dog and a ball', searchTerms('ball DOG'))).toBe(true);
    expect(captionMatches('A dog', searchTerms('dog ball'))).toBe(false);
    expect(highlight('A Dog runs', searchTerms('dog'))).toEqual([
      { text: 'A ', hit: false },
      { text: 'Dog', hit: true },
      { text: ' runs', hit: false },
    ]);
  });

  it('estimates captions from the lines of a CSV (minus its header)', () => {
    const p = {
      detected: {
        format: 'flickr8k',
        kind: 'captions',
        file: '/x/captions.csv',
        imagesDir: '/x/images',
        columns: { image: 'image', caption: 'caption' },
        reason: '',
      },
      availableColumns: ['image', 'caption'],
      rows: [],
      skipped: [],
      estimate: { lines: 4001, images: 800, classes: [] },
      duplicateOf: null,
      suggestedName: 'x',
    } as ImportPreview;
    expect(previewEstimate(p)).toMatchObject({ images: 800, records: 4000, recordWord: 'captions' });
    const token = { ...p, availableColumns: [], detected: { ...p.detected, file: '/x/Flickr8k.token.txt' } } as ImportPreview;
    expect(previewEstimate(token).records).toBe(4001);
  });

  it('reads the column names out of a preview error', () => {
    expect(columnsFromError('data.csv: cannot tell which column holds the image (columns: pic, words); choose one')).toEqual(['pic', 'words']);
    expect(columnsFromError('x does not exist')).toEqual([]);
    expect(columnsFromError(null)).toEqual([]);
  });

  it('maps import phases onto one bar', () => {
    expect(progressPercent(null)).toBeNull();
    expect(progressPercent({ importId: 'a', phase: 'scan', done: 0, total: null, skipped: 0, message: '' })).toBeNull();
    expect(progressPercent({ importId: 'a', phase: 'images', done: 400, total: 800, skipped: 0, message: '' })).toBeCloseTo(52.5);
    expect(progressPercent({ importId: 'a', phase: 'done', done: 1, total: 1, skipped: 0, message: '' })).toBe(100);
  });

  it('routes the dataset pages, keeping the browse query', () => {
    expect(parseHash('#/datasets')).toEqual({ page: 'datasets' });
    expect(parseHash('#/datasets/import')).toEqual({ page: 'dataset-import' });
    expect(parseHash('#/datasets/ds-1?q=dog&split=train')).toEqual({
      page: 'dataset',
      id: 'ds-1',
      tab: 'browse',
      query: { search: 'dog', split: 'train' },
      itemId: null,
    });
    expect(parseHash('#/datasets/ds-1/stats')).toMatchObject({ tab: 'stats' });
    expect(parseHash('#/datasets/ds-1/items/42?class=cat')).toMatchObject({ page: 'dataset', itemId: 42, query: { label: 'cat' } });
    expect(parseHash('#/datasets/ds-1?split=bogus')).toMatchObject({ query: {} });
    expect(hrefFor.datasetItem('ds-1', 7, { search: 'a dog' })).toBe('#/datasets/ds-1/items/7?q=a+dog');
    expect(parseHash(hrefFor.datasetItem('ds-1', 7, { search: 'a dog' }))).toMatchObject({ itemId: 7, query: { search: 'a dog' } });
    expect(parseHash('#/runs/abc')).toEqual({ page: 'run', id: 'abc' });
  });
});

describe('import form', () => {
  it('validates with the shared schemas', () => {
    const f = defaultImportFields();
    expect(sourceOf(f)).toMatchObject({ ok: false, errors: { path: expect.stringMatching(/^Path/) } });
    const g = { ...f, path: ' /data/captions.csv ', images: '/data/images' };
    expect(sourceOf(g)).toEqual({ ok: true, source: { path: '/data/captions.csv', images: '/data/images', format: 'auto', textOnly: false } });
    expect(sourceKey({ ...g, textOnly: true })).not.toBe(sourceKey(g));
    expect(importOptionsOf({ ...g, train: '0.7' }, false)).toMatchObject({ ok: false, errors: { split: expect.stringMatching(/must be 1/) } });
    expect(importOptionsOf({ ...g, seed: 'x' }, false)).toMatchObject({ ok: false, errors: { split: 'Split seed: enter a number' } });
    const ok = importOptionsOf({ ...g, name: 'mine', columnsTouched: true, columns: { image: 'image', caption: '', label: 'class' } }, true);
    expect(ok).toMatchObject({
      ok: true,
      options: { name: 'mine', allowDuplicate: true, columns: { image: 'image', label: 'class' }, split: { seed: 1, train: 0.8 } },
    });
  });
});
