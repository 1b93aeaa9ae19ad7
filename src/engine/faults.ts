/**
 * Fault injection for the workbench's own crash tests: MLBL_FAULT=throw@STEP makes the engine
 * throw at that training step, exit@STEP makes it exit with code 3, hang@STEP stops it
 * answering. Unset in normal use.
 */
export interface Fault { step: number; fire(): void }

export function injectedFault(spec = process.env.MLBL_FAULT): Fault | null {
  if (!spec) return null;
  const m = /^(throw|exit|hang)@(\d+)$/.exec(spec);
  if (!m) throw new Error(`MLBL_FAULT=${spec}: expected throw@STEP, exit@STEP or hang@STEP`);
  const kind = m[1];
  return {
    step: Number(m[2]),
    fire() {
      if (kind === 'throw') throw new Error(`injected fault at step ${m[2]}`);
      if (kind === 'exit') process.exit(3);
      const until = Date.now() + 3_600_000;
      while (Date.now() < until) { /* hang: ignore everything, including stop requests */ }
    },
  };
}
