/**
 * Long phases of a run outside its training epochs, shown as a progress bar with a count and the
 * time left (run page and runs list) instead of "0 / 4 epochs": extracting image features before
 * a language model trains, decoding the test images for BLEU after it, writing an export.
 */
export const RUN_PHASE_NAMES = ['features', 'decoding', 'export'] as const;
export type RunPhaseName = (typeof RUN_PHASE_NAMES)[number];

export interface RunPhase {
  name: RunPhaseName;
  /** What is being done, in words: "Extracting image features". */
  label: string;
  /** What `done` and `total` count: "images". */
  unit: string;
  done: number;
  total: number;
  /** When the host saw the phase start (ms since the epoch). */
  startedAt: number;
  /** Estimated from the rate since the phase started; null until there is a rate. */
  secondsLeft: number | null;
}
