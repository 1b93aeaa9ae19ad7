/** @vitest-environment happy-dom */
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_FILE_BYTES, readImageFile } from './image-file';

describe('readImageFile', () => {
  it('reads an image as a data URL', async () => {
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'dot.png', { type: 'image/png' });
    expect(await readImageFile(png)).toMatch(/^data:image\/png;base64,iVBORw/);
  });

  it('refuses a file that is not an image, naming it', async () => {
    await expect(readImageFile(new File(['a,b'], 'labels.csv', { type: 'text/csv' }))).rejects.toThrow('labels.csv: not an image (text/csv)');
  });

  it('refuses a file over the limit, naming it and both sizes', async () => {
    const big = new File([new Uint8Array(MAX_IMAGE_FILE_BYTES + 1)], 'huge.jpg', { type: 'image/jpeg' });
    await expect(readImageFile(big)).rejects.toThrow(/^huge\.jpg: \S+ MB is too large \(at most \S+ MB\)$/);
  });
});
