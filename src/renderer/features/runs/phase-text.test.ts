import { describe, expect, it } from 'vitest';
import type { RunPhase } from '../../../shared/api';
import { phaseCount, phaseFraction, phaseTimeLeft } from './phase-text';

const phase = (over: Partial<RunPhase>): RunPhase => ({
  name: 'features',
  label: 'Extracting image features',
  unit: 'images',
  done: 1234,
  total: 8091,
  startedAt: 0,
  secondsLeft: 130,
  ...over,
});

describe('phase text', () => {
  it('says the count, the time left and the fraction done', () => {
    expect(phaseCount(phase({}))).toBe('1,234 / 8,091 images');
    expect(phaseTimeLeft(phase({}))).toBe('about 2 min 10 s left');
    expect(phaseTimeLeft(phase({ secondsLeft: null }))).toBe('estimating time left…');
    expect(phaseTimeLeft(phase({ done: 8091 }))).toBe('finishing');
    expect(phaseFraction(phase({ done: 4000, total: 8000 }))).toBe(0.5);
    expect(phaseFraction(phase({ done: 0, total: 0 }))).toBe(0);
  });
});
