/**
 * The caption tokenizer of MODELS.md ("Text processing"): lower-case; numbers become `<#>`;
 * words and punctuation are split; n `<start>` tokens are prepended and `<end>` appended; words
 * below a count cutoff become `<unk>`. Pure TypeScript: used by dataset import and stats (main),
 * and by the language models (engine).
 */

export const START = '<start>';
export const END = '<end>';
export const UNK = '<unk>';
export const NUM = '<#>';

// A number (with decimal or thousands separators), a word (letters/digits, with inner
// apostrophes as in o'clock), a detached clitic ('s as Flickr8k writes it), or one other
// non-space character (punctuation, symbols).
const TOKEN = /\p{N}+(?:[.,:]\p{N}+)+|[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*|['’][\p{L}\p{M}]+|\S/gu;
const CLITIC = /^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$/;
const HAS_DIGIT = /\p{N}/u;

/** Splits one caption into tokens: `"A dog's 2 balls."` gives `a dog 's <#> balls .`. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const lower = text.normalize('NFC').toLowerCase().replace(/’/g, "'");
  for (const m of lower.matchAll(TOKEN)) {
    const t = m[0];
    if (HAS_DIGIT.test(t)) {
      out.push(NUM);
      continue;
    }
    const c = t.length > 2 ? CLITIC.exec(t) : null;
    if (c && c[1] && c[2]) out.push(c[1], c[2]);
    else out.push(t);
  }
  return out;
}

/** `n` start tokens, the tokens, one end token (the LBL context needs n words before the first). */
export function withBoundaries(tokens: readonly string[], n: number): string[] {
  return [...Array<string>(Math.max(0, n)).fill(START), ...tokens, END];
}

/** Word counts over many token lists. */
export function countWords(lists: Iterable<readonly string[]>, into: Map<string, number> = new Map()): Map<string, number> {
  for (const l of lists) for (const w of l) into.set(w, (into.get(w) ?? 0) + 1);
  return into;
}

export interface Vocabulary {
  /** index -> word; the special tokens come first. */
  words: string[];
  index: Map<string, number>;
  cutoff: number;
}

/**
 * Words seen at least `cutoff` times, most frequent first (ties alphabetical, so the result is
 * deterministic), after `<unk>`, `<start>` and `<end>`.
 */
export function buildVocabulary(counts: ReadonlyMap<string, number>, cutoff: number): Vocabulary {
  const specials = [UNK, START, END];
  const kept = [...counts.entries()]
    .filter(([w, c]) => c >= cutoff && !specials.includes(w))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([w]) => w);
  const words = [...specials, ...kept];
  return { words, index: new Map(words.map((w, i) => [w, i])), cutoff };
}

/** Tokens replaced by `<unk>` where the vocabulary lacks them. */
export function applyVocabulary(tokens: readonly string[], vocab: Vocabulary): string[] {
  return tokens.map((t) => (vocab.index.has(t) ? t : UNK));
}

/** Share of all tokens whose word occurs fewer than `cutoff` times (they would become `<unk>`). */
export function unkShare(
  counts: ReadonlyMap<string, number> | Iterable<[string, number]>,
  cutoff: number,
): { share: number; tokens: number; unkTokens: number; vocabulary: number } {
  let tokens = 0;
  let unkTokens = 0;
  let vocabulary = 0;
  for (const [, c] of counts) {
    tokens += c;
    if (c < cutoff) unkTokens += c;
    else vocabulary++;
  }
  return { share: tokens ? unkTokens / tokens : 0, tokens, unkTokens, vocabulary };
}
