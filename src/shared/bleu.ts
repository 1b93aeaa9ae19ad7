/**
 * Standard corpus BLEU (Papineni et al. 2002), as multi-bleu.perl, NLTK's corpus_bleu and
 * sacrebleu (no smoothing) compute it: clipped n-gram matches and n-gram counts are summed over
 * the whole corpus before the precisions are taken; every hypothesis is clipped against the
 * maximum count of each n-gram over all of its references; the brevity penalty compares the total
 * hypothesis length c with the total effective reference length r (per sentence the reference
 * length closest to the hypothesis length, the shorter one on a tie): BP = 1 if c > r else
 * exp(1 - r / c). BLEU-N = BP * exp(sum_{n=1..N} log(p_n) / N); 0 when some p_n is 0.
 * Pure TypeScript.
 */

export interface BleuOptions {
  /** Highest n-gram order (default 4); the result holds BLEU-1..maxN. */
  maxN?: number;
  /** Apply the brevity penalty (default true; the 2017 Kiros code switched it off). */
  brevityPenalty?: boolean;
}

export interface BleuResult {
  /** bleu[i] is BLEU-(i+1): cumulative, geometric mean of p_1..p_(i+1), times the brevity penalty. */
  bleu: number[];
  /** Modified n-gram precisions p_1..p_maxN. */
  precisions: number[];
  matches: number[];
  totals: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    // \u0001 never occurs inside a token, so joined keys are unambiguous.
    const key = tokens.slice(i, i + n).join('\u0001');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

/** Reference length closest to `c`, the shorter on a tie. */
export function closestRefLength(c: number, refs: readonly (readonly string[])[]): number {
  let best = -1;
  for (const r of refs) {
    const len = r.length;
    if (best < 0 || Math.abs(len - c) < Math.abs(best - c) || (Math.abs(len - c) === Math.abs(best - c) && len < best)) best = len;
  }
  return Math.max(0, best);
}

/**
 * Corpus BLEU of tokenized hypotheses against their references (`references[i]` holds every
 * reference of hypothesis i).
 */
export function corpusBleu(
  hypotheses: readonly (readonly string[])[],
  references: readonly (readonly (readonly string[])[])[],
  opts: BleuOptions = {},
): BleuResult {
  const maxN = opts.maxN ?? 4;
  if (hypotheses.length !== references.length) throw new Error(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference sets`);
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let c = 0;
  let r = 0;
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = hypotheses[i] as readonly string[];
    const refs = references[i] as readonly (readonly string[])[];
    if (refs.length === 0) throw new Error(`corpusBleu: hypothesis ${i} has no references`);
    c += hyp.length;
    r += closestRefLength(hyp.length, refs);
    for (let n = 1; n <= maxN; n++) {
      const h = ngramCounts(hyp, n);
      const maxRef = new Map<string, number>();
      for (const ref of refs) {
        for (const [g, k] of ngramCounts(ref, n)) if ((maxRef.get(g) ?? 0) < k) maxRef.set(g, k);
      }
      let m = 0;
      for (const [g, k] of h) m += Math.min(k, maxRef.get(g) ?? 0);
      matches[n - 1] = (matches[n - 1] as number) + m;
      totals[n - 1] = (totals[n - 1] as number) + Math.max(0, hyp.length - n + 1);
    }
  }
  const precisions = matches.map((m, i) => ((totals[i] as number) > 0 ? m / (totals[i] as number) : 0));
  const usePenalty = opts.brevityPenalty ?? true;
  const bp = !usePenalty ? 1 : c === 0 ? 0 : c > r ? 1 : Math.exp(1 - r / c);
  const bleu: number[] = [];
  let logSum = 0;
  let zero = false;
  for (let n = 1; n <= maxN; n++) {
    const p = precisions[n - 1] as number;
    if (p <= 0) zero = true;
    else logSum += Math.log(p);
    bleu.push(zero ? 0 : bp * Math.exp(logSum / n));
  }
  return { bleu, precisions, matches, totals, brevityPenalty: bp, hypothesisLength: c, referenceLength: r };
}

/** BLEU of one sentence (a corpus of one); no smoothing, so short sentences often score 0 at high n. */
export function sentenceBleu(hypothesis: readonly string[], references: readonly (readonly string[])[], opts: BleuOptions = {}): BleuResult {
  return corpusBleu([hypothesis], [references], opts);
}
