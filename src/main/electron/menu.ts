/**
 * The application menu as data: index.ts passes it to Menu.buildFromTemplate. Dev tools appear only
 * when the app is not packaged; macOS gets its app menu first, as users there expect.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newRun(): void;
  importDataset(): void;
  openDataFolder(): void;
  chooseDataFolder(): void;
  about(): void;
  setNotifications(on: boolean): void;
}

export interface MenuContext {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  notifications: boolean;
  appName: string;
}

export function menuTemplate(c: MenuContext, a: MenuActions): MenuItemConstructorOptions[] {
  const mac = c.platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { id: 'new-run', label: 'New Run', accelerator: 'CmdOrCtrl+N', click: () => a.newRun() },
      { id: 'import-dataset', label: 'Import Dataset…', accelerator: 'CmdOrCtrl+I', click: () => a.importDataset() },
      { type: 'separator' },
      { id: 'open-data-folder', label: 'Open Data Folder', click: () => a.openDataFolder() },
      { id: 'choose-data-folder', label: 'Use Another Data Folder…', click: () => a.chooseDataFolder() },
      { type: 'separator' },
      { id: 'notifications', label: 'Notify When a Run Ends', type: 'checkbox', checked: c.notifications, click: (item) => a.setNotifications(item.checked) },
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'reload' },
      ...(c.isPackaged ? [] : [{ role: 'forceReload' } as const, { role: 'toggleDevTools' } as const]),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const about: MenuItemConstructorOptions = { id: 'about', label: `About ${c.appName}`, click: () => a.about() };
  if (mac) {
    return [
      {
        label: c.appName,
        submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
      },
      file,
      { role: 'editMenu' },
      view,
      { role: 'windowMenu' },
    ];
  }
  return [file, { role: 'editMenu' }, view, { label: '&Help', submenu: [about] }];
}

/** The About box's text: versions and the data folder, so a user can find their runs. */
export function aboutDetail(versions: Record<string, string | undefined>, dataDir: string): string {
  const lines = ['app', 'electron', 'chrome', 'node', 'v8']
    .filter((k) => versions[k])
    .map((k) => `${k === 'app' ? 'MLBL Workbench' : k[0]!.toUpperCase() + k.slice(1)} ${versions[k]}`);
  return `${lines.join('\n')}\n\nData folder:\n${dataDir}`;
}
