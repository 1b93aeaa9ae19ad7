import { describe, expect, it } from 'vitest';
import { END, NUM, START, UNK, applyVocabulary, buildVocabulary, countWords, tokenize, unkShare, withBoundaries } from './tokenize';

describe('tokenize', () => {
  it('lower-cases, splits punctuation and keeps the Flickr8k detached clitic', () => {
    expect(tokenize('A child in a pink dress is climbing up a set of stairs in an entry way .')).toEqual(
      'a child in a pink dress is climbing up a set of stairs in an entry way .'.split(' '),
    );
    expect(tokenize("The dog 's ball, red!")).toEqual(['the', 'dog', "'s", 'ball', ',', 'red', '!']);
  });

  it('splits attached clitics and punctuation', () => {
    expect(tokenize("A dog's ball isn't red.")).toEqual(['a', 'dog', "'s", 'ball', 'is', "n't", 'red', '.']);
    expect(tokenize('"Hello"(world)')).toEqual(['"', 'hello', '"', '(', 'world', ')']);
    expect(tokenize("It is 5 o'clock")).toEqual(['it', 'is', NUM, "o'clock"]);
    expect(tokenize('A T-shirt')).toEqual(['a', 't', '-', 'shirt']);
  });

  it('turns numbers, with separators or attached letters, into <#>', () => {
    expect(tokenize('2 dogs, 3.5 cats, 1,000 birds and the 4th man')).toEqual([NUM, 'dogs', ',', NUM, 'cats', ',', NUM, 'birds', 'and', 'the', NUM, 'man']);
  });

  it('handles empty and whitespace-only text, unicode and curly apostrophes', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('  \t ')).toEqual([]);
    expect(tokenize('Café  DÉJÀ vu')).toEqual(['café', 'déjà', 'vu']);
    expect(tokenize('dog’s')).toEqual(['dog', "'s"]);
  });

  it('adds boundaries', () => {
    expect(withBoundaries(['a', 'dog'], 3)).toEqual([START, START, START, 'a', 'dog', END]);
    expect(withBoundaries([], 0)).toEqual([END]);
  });
});

describe('vocabulary', () => {
  const counts = countWords([
    ['a', 'dog', 'runs'],
    ['a', 'dog'],
    ['a', 'cat'],
  ]);
  it('keeps words at or above the cutoff, most frequent first, specials first', () => {
    const v = buildVocabulary(counts, 2);
    expect(v.words).toEqual([UNK, START, END, 'a', 'dog']);
    expect(applyVocabulary(['a', 'cat', 'dog'], v)).toEqual(['a', UNK, 'dog']);
    expect(buildVocabulary(counts, 1).words.slice(3)).toEqual(['a', 'dog', 'cat', 'runs']);
  });
  it('measures the share of <unk> tokens at a cutoff', () => {
    expect(unkShare(counts, 2)).toEqual({ share: 2 / 7, tokens: 7, unkTokens: 2, vocabulary: 2 });
    expect(unkShare(counts, 1).share).toBe(0);
    expect(unkShare(new Map(), 5).share).toBe(0);
  });
});
