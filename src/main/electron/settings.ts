/**
 * The desktop app's own settings (settings.json in Electron's userData): the data folder the user
 * chose (absent: userData itself, the CLI's default too) and whether runs end with a notification.
 * A bad file is reported by name and field and replaced by the defaults, never trusted.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DesktopSettings {
  dataDir: string | null;
  notifications: boolean;
}
export const DEFAULT_SETTINGS: DesktopSettings = { dataDir: null, notifications: true };

export function readSettings(file: string, warn: (m: string) => void = (m) => process.stderr.write(m + '\n')): DesktopSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn(`mlbl: ${file} is not valid JSON; using the default settings`);
    return { ...DEFAULT_SETTINGS };
  }
  const s = { ...DEFAULT_SETTINGS };
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  if (o.dataDir !== undefined && o.dataDir !== null) {
    if (typeof o.dataDir === 'string' && path.isAbsolute(o.dataDir)) s.dataDir = o.dataDir;
    else warn(`mlbl: ${file}: field dataDir must be an absolute path; using the default data folder`);
  }
  if (o.notifications !== undefined) {
    if (typeof o.notifications === 'boolean') s.notifications = o.notifications;
    else warn(`mlbl: ${file}: field notifications must be true or false; notifications stay on`);
  }
  return s;
}

export function writeSettings(file: string, s: DesktopSettings): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(s, null, 2));
}

/** MLBL_DATA_DIR wins (as for the CLI), then the user's choice, then userData. */
export function chooseDataDir(env: string | undefined, s: DesktopSettings, userData: string): string {
  if (env) return path.resolve(env);
  return s.dataDir ?? userData;
}
