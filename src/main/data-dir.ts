import os from 'node:os';
import path from 'node:path';

/** `--data-dir`, else MLBL_DATA_DIR, else the folder Electron would use as userData. */
export function resolveDataDir(flag?: string): string {
  if (flag) return path.resolve(flag);
  if (process.env.MLBL_DATA_DIR) return path.resolve(process.env.MLBL_DATA_DIR);
  const app = 'MLBL Workbench';
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', app);
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), app);
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), app);
}
