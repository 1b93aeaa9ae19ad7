/**
 * Workbench processes sharing one data directory (`mlbl serve`, the desktop app, a CLI `train`
 * or `eval`). Each registers itself and refreshes `seen_at`; a queued or running run records
 * the process that owns it (`runs.host_id`). On start-up a process interrupts and adopts only
 * the runs of processes that are gone, never those of a live one.
 */
import type { Db } from './db';

export interface HostRow {
  id: string;
  pid: number;
  machine: string;
  started_at: number;
  seen_at: number;
}

/** A host that has not refreshed its row for this long is gone, whatever its pid shows (pids are reused after a reboot). */
export const HOST_STALE_MS = 120_000;
/** How often a live host refreshes its row. */
export const HOST_HEARTBEAT_MS = 10_000;

export type PidAlive = (pid: number) => boolean;

/** Signal 0 tests that a process exists; EPERM means it exists under another user. */
export const pidAlive: PidAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};

export function registerHost(db: Db, h: { id: string; pid: number; machine: string; now: number }): void {
  db.prepare('INSERT OR REPLACE INTO hosts (id, pid, machine, started_at, seen_at) VALUES (?, ?, ?, ?, ?)').run(h.id, h.pid, h.machine, h.now, h.now);
}

export function touchHost(db: Db, id: string, now: number): void {
  db.prepare('UPDATE hosts SET seen_at = ? WHERE id = ?').run(now, id);
}

export function removeHost(db: Db, id: string): void {
  db.prepare('DELETE FROM hosts WHERE id = ?').run(id);
}

export function getHost(db: Db, id: string): HostRow | null {
  return (db.prepare('SELECT * FROM hosts WHERE id = ?').get(id) as HostRow | undefined) ?? null;
}

/**
 * Whether a registered host is still running: its row is fresh and, on this machine, its pid
 * exists. (On another machine sharing the folder only the heartbeat can tell.)
 */
export function hostAlive(h: HostRow, now: number, machine: string, alive: PidAlive = pidAlive): boolean {
  if (now - h.seen_at > HOST_STALE_MS) return false;
  return h.machine !== machine || alive(h.pid);
}

/** The ids of the live hosts (`self` always among them); the rows of dead ones are deleted. */
export function liveHostIds(db: Db, self: string, now: number, machine: string, alive: PidAlive = pidAlive): Set<string> {
  const live = new Set<string>([self]);
  const del = db.prepare('DELETE FROM hosts WHERE id = ?');
  for (const h of db.prepare('SELECT * FROM hosts').all() as HostRow[]) {
    if (h.id === self || hostAlive(h, now, machine, alive)) live.add(h.id);
    else del.run(h.id);
  }
  return live;
}
