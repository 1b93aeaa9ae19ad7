/**
 * The captions panel's data: sample records of a language-model run (kinds `caption-greedy` and
 * `caption-sample`, written by src/engine/lm/train.ts for up to 8 fixed validation images every
 * `sampleEvery` steps) grouped by image, step by step, with per-image BLEU of each greedy caption
 * against the image's references. Pure TypeScript.
 */
import type { CaptionWord } from '../../../shared/api';
import { corpusBleu } from '../../../shared/bleu';
import { tokenize } from '../../../shared/tokenize';

export interface SampleLike {
  step: number;
  epoch: number;
  kind: string;
  text: string;
  data: unknown;
}

export interface SampledCaption {
  text: string;
  words: CaptionWord[];
  logProb: number | null;
}

export interface SampleStep {
  step: number;
  epoch: number;
  greedy: SampledCaption | null;
  sample: SampledCaption | null;
  /** BLEU-1..4 of the greedy caption against every reference of the image. */
  bleu: number[] | null;
}

export interface SampleImage {
  slot: number;
  image: string;
  itemId: number | null;
  references: string[];
  /** Oldest first. */
  steps: SampleStep[];
}

interface SampleData {
  image?: unknown;
  slot?: unknown;
  itemId?: unknown;
  references?: unknown;
  words?: unknown;
  logProb?: unknown;
}

const KINDS: Record<string, 'greedy' | 'sample'> = { 'caption-greedy': 'greedy', 'caption-sample': 'sample' };

/** BLEU-1..4 of one caption against its references (standard BLEU with the brevity penalty). */
export function captionBleu(caption: string, references: readonly string[]): number[] {
  const refs = references.map(tokenize).filter((r) => r.length > 0);
  if (refs.length === 0) return [0, 0, 0, 0];
  return corpusBleu([tokenize(caption)], [refs]).bleu;
}

function words(v: unknown): CaptionWord[] {
  if (!Array.isArray(v)) return [];
  return v.filter((w): w is CaptionWord => !!w && typeof (w as CaptionWord).word === 'string' && typeof (w as CaptionWord).p === 'number');
}

/** Groups sample records by image (slot order), merging the greedy and sampled caption of each step. */
export function groupSamples(records: readonly SampleLike[]): SampleImage[] {
  const images = new Map<string, SampleImage>();
  const stepsOf = new Map<string, Map<number, SampleStep>>();
  for (const r of records) {
    const which = KINDS[r.kind];
    if (!which) continue;
    const d = (r.data ?? {}) as SampleData;
    const image = typeof d.image === 'string' ? d.image : '';
    const slot = typeof d.slot === 'number' ? d.slot : -1;
    const key = image || `slot-${slot}`;
    let im = images.get(key);
    if (!im) {
      im = { slot, image, itemId: null, references: [], steps: [] };
      images.set(key, im);
      stepsOf.set(key, new Map());
    }
    if (typeof d.itemId === 'number') im.itemId = d.itemId;
    if (Array.isArray(d.references) && d.references.length > im.references.length)
      im.references = d.references.filter((x): x is string => typeof x === 'string');
    const byStep = stepsOf.get(key) as Map<number, SampleStep>;
    let st = byStep.get(r.step);
    if (!st) {
      st = { step: r.step, epoch: r.epoch, greedy: null, sample: null, bleu: null };
      byStep.set(r.step, st);
    }
    st[which] = { text: r.text, words: words(d.words), logProb: typeof d.logProb === 'number' ? d.logProb : null };
  }
  const out: SampleImage[] = [];
  for (const [key, im] of images) {
    im.steps = [...(stepsOf.get(key) as Map<number, SampleStep>).values()].sort((a, b) => a.step - b.step);
    for (const st of im.steps) st.bleu = st.greedy ? captionBleu(st.greedy.text, im.references) : null;
    out.push(im);
  }
  return out.sort((a, b) => a.slot - b.slot || (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
}

/** The key under which a run's image is found among a dataset's items: the file name as given, else its base name. */
export function matchItemKey(image: string, keys: ReadonlyMap<string, number>): number | null {
  const exact = keys.get(image);
  if (exact !== undefined) return exact;
  const base = image.split(/[\\/]/).pop() ?? image;
  return keys.get(base) ?? null;
}
