/**
 * The fallbacks of native-dialogs.ts. The Api here is a small object answering as the two real
 * transports do (the host's not_available answer itself is tested in
 * src/main/electron/window-options.test.ts; main's dialogs in main-bundle.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ApiError, type Api, type ExportFile } from '../../shared/api';
import { pickPath, saveFiles } from './native-dialogs';

const browser: Api = {
  call: async () => {
    throw new ApiError('not_available', 'native file dialogs are not available in the browser: type the path');
  },
  on: () => () => {},
};
const app = (answer: unknown, seen: unknown[][]): Api => ({
  call: (async (m: string, i: unknown) => {
    seen.push([m, i]);
    return answer;
  }) as Api['call'],
  on: () => () => {},
});
const file: ExportFile = { name: 'metrics.csv', mime: 'text/csv', encoding: 'utf8', content: 'a\n' };

describe('native dialogs with fallbacks', () => {
  it('picks a path in the app, and says "no dialogs" in a browser', async () => {
    const seen: unknown[][] = [];
    expect(await pickPath(app({ path: '/data/captions.csv' }, seen), 'file', 'Captions file', [{ name: 'Captions', extensions: ['csv', 'txt'] }])).toBe(
      '/data/captions.csv',
    );
    expect(seen).toEqual([['dialog.openPath', { kind: 'file', title: 'Captions file', filters: [{ name: 'Captions', extensions: ['csv', 'txt'] }] }]]);
    expect(await pickPath(app({ path: null }, []), 'folder', 'Images')).toBeNull();
    expect(await pickPath(browser, 'file', 'x')).toBeUndefined();
  });
  it('saves through the app, downloads in a browser, and passes any other error on', async () => {
    const downloaded: string[] = [];
    expect(await saveFiles(app({ saved: ['/home/u/metrics.csv'] }, []), [file], (f) => downloaded.push(f.name))).toEqual(['/home/u/metrics.csv']);
    expect(downloaded).toEqual([]);
    expect(await saveFiles(browser, [file], (f) => downloaded.push(f.name))).toBeNull();
    expect(downloaded).toEqual(['metrics.csv']);
    const failing: Api = {
      call: async () => {
        throw new ApiError('internal', 'disk full');
      },
      on: () => () => {},
    };
    await expect(saveFiles(failing, [file], () => {})).rejects.toThrow('disk full');
  });
});
