/** A captions file with a `split` column (written by the host for dataset=ID runs): the split comes from the file, not the seed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupByImage, readCaptionsCsv, splitByImage } from './data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-split-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function csv(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('captions files with a split column', () => {
  it('keeps each image in the split the file names, in file order, whatever the seed', () => {
    const f = csv(
      'a.csv',
      'image,caption,split\nb.jpg,"a dog, running",test\nb.jpg,a dog,test\na.jpg,a cat,train\nc.jpg,a bird,validation\nd.jpg,a fish,train\n',
    );
    const images = groupByImage(readCaptionsCsv(f));
    expect(images.map((i) => [i.image, i.split, i.captions.length])).toEqual([
      ['b.jpg', 'test', 2],
      ['a.jpg', 'train', 1],
      ['c.jpg', 'validation', 1],
      ['d.jpg', 'train', 1],
    ]);
    for (const seed of [1, 2, 99]) {
      const s = splitByImage(images, seed, 0.5, 0.5);
      expect(s.train.map((i) => i.image)).toEqual(['a.jpg', 'd.jpg']);
      expect(s.validation.map((i) => i.image)).toEqual(['c.jpg']);
      expect(s.test.map((i) => i.image)).toEqual(['b.jpg']);
    }
  });

  it('without the column, splits by the seed as before', () => {
    const f = csv('b.csv', 'image,caption\na.jpg,x\nb.jpg,y\nc.jpg,z\nd.jpg,w\n');
    const images = groupByImage(readCaptionsCsv(f));
    expect(images.every((i) => i.split === undefined)).toBe(true);
    const s = splitByImage(images, 1, 0.25, 0.25);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([2, 1, 1]);
  });

  it('names the file and row of a bad split, and an image given two splits', () => {
    expect(() => readCaptionsCsv(csv('c.csv', 'image,caption,split\na.jpg,x,train\nb.jpg,y,dev\n'))).toThrow(
      /c\.csv: line 3: split "dev" is not train, validation or test/,
    );
    expect(() => groupByImage(readCaptionsCsv(csv('d.csv', 'image,caption,split\na.jpg,x,train\na.jpg,y,test\n')))).toThrow(
      /image a\.jpg is in two splits \(train and test\)/,
    );
    expect(() => readCaptionsCsv(undefined)).toThrow(/no captions file/);
  });
});
