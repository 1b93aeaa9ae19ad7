import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportFile } from '../shared/api';
import { cmdExport, targets } from './export-commands';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-export-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string): ExportFile => ({ name, mime: 'text/plain', encoding: 'utf8', content: 'x' });

describe('mlbl export', () => {
  it('writes one file to --out FILE, several into a folder, and a file into an existing folder by its name', () => {
    expect(targets([file('a.csv')], path.join(tmp, 'out.csv'), 'fallback')).toEqual([path.join(tmp, 'out.csv')]);
    expect(targets([file('a.csv')], tmp, 'fallback')).toEqual([path.join(tmp, 'a.csv')]);
    expect(targets([file('a.csv')], `${tmp}/new-dir/`, 'fallback')).toEqual([path.join(tmp, 'new-dir', 'a.csv')]);
    expect(targets([file('model.json'), file('weights.bin')], path.join(tmp, 'm'), 'fallback')).toEqual([
      path.join(tmp, 'm', 'model.json'),
      path.join(tmp, 'm', 'weights.bin'),
    ]);
    expect(targets([file('model.json')], undefined, path.join(tmp, 'run-model'))).toEqual([path.join(tmp, 'run-model', 'model.json')]);
    expect(() => targets([file('../evil.json'), file('b')], tmp, 'x')).toThrow(/leaves/);
  });

  it('names the bad argument before touching any data', async () => {
    const dir = path.join(tmp, 'never-created');
    await expect(cmdExport(['captions', 'r1', '--format', 'xml', '--data-dir', dir])).rejects.toThrow('--format xml: expected one of csv, jsonl, coco');
    await expect(cmdExport(['metrics', 'r1', '--format', 'coco', '--data-dir', dir])).rejects.toThrow('--format coco: expected one of csv, json');
    await expect(cmdExport(['captions', 'r1', '--split', 'dev', '--data-dir', dir])).rejects.toThrow(
      '--split dev: expected one of test, validation, train, all',
    );
    await expect(cmdExport(['captions', 'r1', '--beam', '0', '--data-dir', dir])).rejects.toThrow('--beam 0: expected a whole number from 1 to 20');
    await expect(cmdExport(['pictures', 'r1'])).rejects.toThrow(/expected what to export: captions, metrics, model \(got pictures\)/);
    await expect(cmdExport(['model'])).rejects.toThrow('export model: RUN_ID is required');
    expect(fs.existsSync(dir)).toBe(false);
  });
});
