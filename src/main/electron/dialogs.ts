/**
 * The Api's native dialog methods (dialog.openPath, dialog.saveFiles), answered by main in the
 * desktop app. The renderer never hands main a path to write: it sends the export's files, and
 * the user picks where they go. Inputs are validated with the contract's schemas like any call.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, methods, type MethodOutput } from '../../shared/api';
import { formatZodError } from '../../shared/run-spec';

export interface DialogLike {
  showOpenDialog(options: {
    title?: string;
    properties: string[];
    filters?: { name: string; extensions: string[] }[];
  }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: { title?: string; defaultPath?: string }): Promise<{ canceled: boolean; filePath?: string }>;
}

export const DIALOG_METHODS = ['dialog.openPath', 'dialog.saveFiles'] as const;
export const isDialogMethod = (m: string): m is (typeof DIALOG_METHODS)[number] => (DIALOG_METHODS as readonly string[]).includes(m);

/** A file name from an export, as a plain name in the chosen folder (no folders, no `..`). */
export function safeFileName(name: string): string {
  const base = [...path.basename(name.replace(/\\/g, '/'))].map((c) => (c < ' ' || '<>:"|?*'.includes(c) ? '_' : c)).join('');
  if (!base || base === '.' || base === '..')
    throw new ApiError('bad_request', `dialog.saveFiles: files[].name ${JSON.stringify(name.slice(0, 80))} is not a file name`);
  return base;
}

export function dialogMethods(dialog: DialogLike) {
  return async (method: (typeof DIALOG_METHODS)[number], rawInput: unknown): Promise<unknown> => {
    const parsed = methods[method].input.safeParse(rawInput ?? undefined);
    if (!parsed.success) throw new ApiError('bad_request', `${method}: ${formatZodError(parsed.error, 'input')}`);
    if (method === 'dialog.openPath') {
      const q = parsed.data as { kind: 'file' | 'folder'; title?: string; filters?: { name: string; extensions: string[] }[] };
      const r = await dialog.showOpenDialog({ title: q.title, properties: [q.kind === 'folder' ? 'openDirectory' : 'openFile'], filters: q.filters });
      return { path: r.canceled ? null : (r.filePaths[0] ?? null) } satisfies MethodOutput<'dialog.openPath'>;
    }
    const { files } = parsed.data as MethodOutput<'runs.export'>;
    const names = files.map((f) => safeFileName(f.name));
    let targets: string[];
    if (files.length === 1) {
      const r = await dialog.showSaveDialog({ title: 'Save export', defaultPath: names[0] });
      if (r.canceled || !r.filePath) return { saved: [] };
      targets = [r.filePath];
    } else {
      const r = await dialog.showOpenDialog({ title: `Choose a folder for ${files.length} files`, properties: ['openDirectory', 'createDirectory'] });
      if (r.canceled || !r.filePaths[0]) return { saved: [] };
      targets = names.map((n) => path.join(r.filePaths[0] as string, n));
    }
    files.forEach((f, i) => fs.writeFileSync(targets[i] as string, f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content));
    return { saved: targets } satisfies MethodOutput<'dialog.saveFiles'>;
  };
}
