/**
 * The caption explorer's decoder settings and the `runs.decode` request they make. Only the
 * settings the chosen method uses are sent (temperature and top-k when sampling, the width for
 * beam search), so a slider that does not matter never triggers a new request. Pure TypeScript.
 */
import type { MethodInput } from '../../../shared/api';

export type DecodeMethod = 'greedy' | 'beam' | 'sample';
export type ImageChoice = { kind: 'item'; itemId: number; label: string } | { kind: 'file'; dataUrl: string; name: string };

export interface DecoderSettings {
  checkpoint: string;
  method: DecodeMethod;
  temperature: number;
  topK: number;
  beam: number;
  maxLength: number;
  seed: number;
}

export const DEFAULT_SETTINGS: DecoderSettings = { checkpoint: 'best', method: 'beam', temperature: 1, topK: 0, beam: 3, maxLength: 20, seed: 1 };

/** Slider ranges. */
export const LIMITS = { temperature: { min: 0.1, max: 3, step: 0.05 }, topK: { min: 0, max: 100, step: 1 }, beam: { min: 1, max: 10, step: 1 } } as const;

export type DecodeRequest = MethodInput<'runs.decode'>;

export function decodeRequest(runId: string, image: ImageChoice, s: DecoderSettings): DecodeRequest {
  const base = {
    id: runId,
    checkpoint: s.checkpoint,
    method: s.method,
    maxLength: s.maxLength,
    ...(image.kind === 'item' ? { itemId: image.itemId } : { image: image.dataUrl }),
  };
  if (s.method === 'sample') return { ...base, temperature: roundTo(s.temperature, 2), topK: s.topK, seed: s.seed };
  if (s.method === 'beam') return { ...base, beam: s.beam };
  return base;
}

/** A stable key of a request: equal keys ask the same question (used to skip repeats). */
export function requestKey(r: DecodeRequest): string {
  const { image, ...rest } = r;
  return JSON.stringify({ ...rest, image: image ? `${image.length}:${image.slice(-64)}` : undefined });
}

export function roundTo(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

/** Opacity of a word shown with probability p: faint for unlikely words, solid above 0.5. */
export function wordOpacity(p: number): number {
  if (!Number.isFinite(p) || p <= 0) return 0.3;
  return roundTo(0.3 + 0.7 * Math.min(1, p * 2), 3);
}
