/**
 * The language models' vocabulary (MODELS.md "Text processing"): words seen at least `minCount`
 * times in the training captions, plus `<unk>`, `<start>` and `<end>`. It is stored with every
 * checkpoint (`toJSON`), so a checkpoint maps ids to words, and captions to ids, the same way
 * forever: the word list and the tokenizer version travel with it and are never rebuilt.
 * Pure TypeScript.
 */
import { END, START, UNK, buildVocabulary, countWords, tokenize } from './tokenize';

/** Bumped whenever src/shared/tokenize.ts would split some caption differently. */
export const TOKENIZER_VERSION = 1;

export interface VocabJson {
  format: 'mlbl-vocabulary';
  version: 1;
  tokenizer: number;
  minCount: number;
  /** id -> word; ids 0, 1, 2 are `<unk>`, `<start>`, `<end>`. */
  words: string[];
  /** Training-set count of each word (same order as `words`; 0 for the special tokens). */
  counts: number[];
}

export class Vocab {
  readonly words: readonly string[];
  readonly counts: readonly number[];
  readonly minCount: number;
  readonly tokenizer: number;
  readonly unk: number;
  readonly start: number;
  readonly end: number;
  private readonly index: Map<string, number>;

  private constructor(words: string[], counts: number[], minCount: number, tokenizer: number) {
    if (words[0] !== UNK || words[1] !== START || words[2] !== END) throw new Error('vocabulary: ids 0..2 must be <unk>, <start>, <end>');
    if (counts.length !== words.length) throw new Error('vocabulary: counts and words differ in length');
    this.words = words;
    this.counts = counts;
    this.minCount = minCount;
    this.tokenizer = tokenizer;
    this.index = new Map();
    words.forEach((w, i) => {
      if (this.index.has(w)) throw new Error(`vocabulary: duplicate word ${JSON.stringify(w)}`);
      this.index.set(w, i);
    });
    this.unk = 0;
    this.start = 1;
    this.end = 2;
  }

  /** From tokenized training captions: words seen at least `minCount` times, most frequent first (ties alphabetical). */
  static build(tokenLists: Iterable<readonly string[]>, minCount: number): Vocab {
    if (!Number.isInteger(minCount) || minCount < 1) throw new Error(`vocabulary: minCount must be a whole number >= 1, got ${minCount}`);
    const counts = countWords(tokenLists);
    const v = buildVocabulary(counts, minCount);
    return new Vocab(
      v.words,
      v.words.map((w, i) => (i < 3 ? 0 : (counts.get(w) ?? 0))),
      minCount,
      TOKENIZER_VERSION,
    );
  }

  /** From raw caption strings (tokenized with src/shared/tokenize.ts). */
  static fromCaptions(captions: Iterable<string>, minCount: number): Vocab {
    const lists: string[][] = [];
    for (const c of captions) lists.push(tokenize(c));
    return Vocab.build(lists, minCount);
  }

  static fromJSON(json: unknown): Vocab {
    const j = json as Partial<VocabJson> | null;
    if (!j || j.format !== 'mlbl-vocabulary' || j.version !== 1 || !Array.isArray(j.words) || !Array.isArray(j.counts)) {
      throw new Error('vocabulary: not an mlbl-vocabulary v1 object');
    }
    if (j.tokenizer !== TOKENIZER_VERSION) {
      throw new Error(`vocabulary: made with tokenizer v${String(j.tokenizer)}, this build has v${TOKENIZER_VERSION}`);
    }
    return new Vocab(j.words.map(String), j.counts.map(Number), Number(j.minCount), j.tokenizer);
  }

  toJSON(): VocabJson {
    return { format: 'mlbl-vocabulary', version: 1, tokenizer: this.tokenizer, minCount: this.minCount, words: [...this.words], counts: [...this.counts] };
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** Id of a word, `<unk>`'s id when the word is not in the vocabulary. */
  id(word: string): number {
    return this.index.get(word) ?? this.unk;
  }

  word(id: number): string {
    const w = this.words[id];
    if (w === undefined) throw new Error(`vocabulary: id ${id} out of range [0, ${this.words.length})`);
    return w;
  }

  /** Token ids of tokens (unknown words -> `<unk>`). */
  encodeTokens(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.id(t));
  }

  /** `n` x `<start>`, the caption's ids, `<end>`: the sequence the models are trained on. */
  encodeCaption(caption: string, n: number): number[] {
    return [...Array<number>(n).fill(this.start), ...this.encodeTokens(tokenize(caption)), this.end];
  }

  /** Words of ids, stopping at the first `<end>` and dropping `<start>` tokens. */
  decode(ids: readonly number[]): string[] {
    const out: string[] = [];
    for (const id of ids) {
      if (id === this.end) break;
      if (id === this.start) continue;
      out.push(this.word(id));
    }
    return out;
  }
}
