/**
 * Runs as a process that trains nothing reports them (read-only commands: `mlbl runs`, `mlbl
 * info`): the stored records with their owner, read without a write. A run left `running` by a
 * process that is gone shows as `interrupted`, as the next workbench process will record it.
 */
import os from 'node:os';
import type { RunRecord, RunStatus } from '../../shared/api';
import { hostAlive } from '../store/hosts';
import type { Store } from '../store/store';

/** The live workbench process (other than `self`) that owns a queued or running run, or null. */
export function liveOwner(store: Store, r: RunRecord, self: string | null): RunRecord['owner'] {
  if (r.status !== 'running' && r.status !== 'queued') return null;
  try {
    const h = store.runHost(r.id);
    return h && h.id !== self && hostAlive(h, Date.now(), os.hostname()) ? { pid: h.pid, machine: h.machine } : null;
  } catch {
    return null;
  }
}

export class RunView {
  constructor(private readonly store: Store) {}

  get(id: string): RunRecord | null {
    const r = this.store.getRun(id);
    return r ? this.decorate(r) : null;
  }

  list(opts: { status?: RunStatus; limit?: number }): RunRecord[] {
    return this.store.listRuns(opts).map((r) => this.decorate(r));
  }

  private decorate(r: RunRecord): RunRecord {
    const owner = liveOwner(this.store, r, null);
    const orphaned = r.status === 'running' && owner === null;
    return { ...r, ...(orphaned ? { status: 'interrupted' as const } : {}), queuePosition: null, owner };
  }
}
