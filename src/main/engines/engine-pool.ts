/**
 * Engine processes outside the run queue (feature extraction, LM inspection, activation maps):
 * each is started through the host's launcher with the host's engine environment, and every one
 * still alive is killed when the host closes, whoever started it.
 */
import type { EngineLauncher, EngineProcess } from './engine-process';

export class EnginePool {
  private readonly live = new Set<EngineProcess>();
  private closed = false;

  constructor(
    private readonly launcher: EngineLauncher,
    private readonly env?: Record<string, string>,
  ) {}

  /** A fresh engine process; the caller ends it, close() kills it if the caller has not. */
  spawn(): EngineProcess {
    if (this.closed) throw new Error('the workbench is shutting down');
    const proc = this.launcher(this.env);
    this.live.add(proc);
    proc.onExit(() => this.live.delete(proc));
    return proc;
  }

  close(): void {
    this.closed = true;
    for (const p of this.live) p.kill();
    this.live.clear();
  }
}
