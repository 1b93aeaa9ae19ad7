/**
 * Fault injection for the workbench's own crash tests. Unset in normal use.
 *
 *   MLBL_FAULT=throw@STEP   the engine throws at that training step
 *   MLBL_FAULT=exit@STEP    the engine exits with code 3
 *   MLBL_FAULT=hang@STEP    the engine stops answering (stop requests included)
 *   MLBL_FAULT=nan@STEP     the trainer's weights are poisoned with NaN before that step, so the
 *                           loss (and everything after it) goes NaN the way a real divergence does
 *   MLBL_FAULT=enospc@STEP  every file the trainer writes from that step on fails with ENOSPC
 *                           (checkpoints, filter snapshots), like a full disk
 *   MLBL_FAULT=garbage@STEP the engine sends the host malformed messages (wrong types, missing
 *                           fields, an unknown type) through its real channel, then trains on
 */
export type FaultKind = 'throw' | 'exit' | 'hang' | 'nan' | 'enospc' | 'garbage';

export interface FaultHooks {
  /** Sets the model's weights to NaN (the nan fault). */
  poison?(): void;
  /** Sends a message to the host as is, unchecked (the garbage fault). */
  send?(m: unknown): void;
}

export interface Fault {
  kind: FaultKind;
  step: number;
  /** Fires the fault (call when the training step equals `step`). */
  fire(hooks?: FaultHooks): void;
}

export function injectedFault(spec = process.env.MLBL_FAULT): Fault | null {
  if (!spec) return null;
  const m = /^(throw|exit|hang|nan|enospc|garbage)@(\d+)$/.exec(spec);
  if (!m) throw new Error(`MLBL_FAULT=${spec}: expected throw@STEP, exit@STEP, hang@STEP, nan@STEP, enospc@STEP or garbage@STEP`);
  const kind = m[1] as FaultKind;
  const step = Number(m[2]);
  return {
    kind,
    step,
    fire(hooks) {
      if (kind === 'throw') throw new Error(`injected fault at step ${step}`);
      if (kind === 'exit') process.exit(3);
      if (kind === 'nan') {
        if (!hooks?.poison) throw new Error('MLBL_FAULT=nan: this trainer cannot poison its weights');
        hooks.poison();
        return;
      }
      if (kind === 'enospc') {
        diskFull = true;
        return;
      }
      if (kind === 'garbage') {
        if (!hooks?.send) throw new Error('MLBL_FAULT=garbage: this trainer cannot send raw messages');
        for (const m of GARBAGE) hooks.send(m);
        return;
      }
      const until = Date.now() + 3_600_000;
      while (Date.now() < until) {
        /* hang: ignore everything, including stop requests */
      }
    },
  };
}

let diskFull = false;

/** Malformed engine messages, one per way a message can be wrong. */
const GARBAGE: unknown[] = [
  { type: 'metrics', points: 'not an array' },
  { type: 'metrics', points: [{ key: 'loss', step: '3', epoch: 0, wallTime: 0, value: 1 }] },
  { type: 'artefact', kind: 'checkpoint', file: 42, step: 0, epoch: 0, meta: {} },
  { type: 'done', outcome: 'exploded', summary: {} },
  { type: 'no-such-message' },
  'just a string',
  null,
];

/**
 * Throws what a full disk throws (an ENOSPC error naming `file`) once the enospc fault has fired.
 * The trainers' file writers call this before writing.
 */
export function checkDiskFault(file: string): void {
  if (!diskFull) return;
  const e = new Error(`ENOSPC: no space left on device, write '${file}'`) as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  e.path = file;
  throw e;
}
