/**
 * The window's size and position, remembered across launches in window-state.json. A saved position
 * that no longer lies on any display (a monitor unplugged) is dropped, keeping the size.
 */
import fs from 'node:fs';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface WindowState {
  bounds: Partial<Rect> & { width: number; height: number };
  maximized: boolean;
}

export const DEFAULT_STATE: WindowState = { bounds: { width: 1280, height: 860 }, maximized: false };
const MIN = { width: 640, height: 480 };

/** The state to open with: the saved one fitted to the current displays' work areas, else the default. */
export function restoreWindowState(saved: unknown, workAreas: Rect[]): WindowState {
  const s = saved as Partial<WindowState> | null;
  const b = s?.bounds;
  if (!b || !Number.isFinite(b.width) || !Number.isFinite(b.height)) return DEFAULT_STATE;
  const width = Math.max(MIN.width, Math.round(b.width));
  const height = Math.max(MIN.height, Math.round(b.height));
  const maximized = s.maximized === true;
  if (!Number.isFinite(b.x) || !Number.isFinite(b.y)) return { bounds: { width, height }, maximized };
  const x = Math.round(b.x as number);
  const y = Math.round(b.y as number);
  // Visible enough to grab: the title bar's first 100 px lie inside some work area.
  const onScreen = workAreas.some((a) => x + 100 > a.x && x < a.x + a.width - 50 && y >= a.y && y < a.y + a.height - 30);
  return onScreen ? { bounds: { x, y, width, height }, maximized } : { bounds: { width, height }, maximized };
}

export function readWindowState(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  try {
    fs.writeFileSync(file, JSON.stringify(state));
  } catch (e) {
    process.stderr.write(`mlbl: cannot remember the window position in ${file}: ${(e as Error).message}\n`);
  }
}
