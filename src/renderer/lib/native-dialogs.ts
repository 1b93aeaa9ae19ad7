/**
 * Native file dialogs through the Api (dialog.openPath, dialog.saveFiles): the desktop app's main
 * process answers them; a browser (serve mode) gets not_available and the page falls back to the
 * typed path, or to downloads for exports.
 */
import type { Api, ExportFile } from '../../shared/api';

const notAvailable = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'not_available';

/** The path the user picked, null when cancelled, undefined when this transport has no dialogs. */
export async function pickPath(
  api: Api,
  kind: 'file' | 'folder',
  title: string,
  filters?: { name: string; extensions: string[] }[],
): Promise<string | null | undefined> {
  try {
    return (await api.call('dialog.openPath', { kind, title, filters })).path;
  } catch (e) {
    if (notAvailable(e)) return undefined;
    throw e;
  }
}

/**
 * Saves an export's files: in the app, where the user picks in the save dialog (the paths written,
 * [] when cancelled); in a browser, as downloads through `download` (then null).
 */
export async function saveFiles(api: Api, files: ExportFile[], download: (f: ExportFile) => void): Promise<string[] | null> {
  try {
    return (await api.call('dialog.saveFiles', { files })).saved;
  } catch (e) {
    if (!notAvailable(e)) throw e;
    for (const f of files) download(f);
    return null;
  }
}
