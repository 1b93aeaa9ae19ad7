import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCompact,
  formatDateTime,
  formatDuration,
  formatFixed,
  formatImageSize,
  formatInt,
  formatNumber,
  formatPercent,
  formatTime,
  plural,
} from './format';

describe('format', () => {
  it('writes counts, fixed decimals, percentages and metric values one way', () => {
    expect(formatInt(1234567.4)).toBe('1,234,567');
    expect(formatInt(null)).toBe('—');
    expect(plural(1, 'image')).toBe('1 image');
    expect(plural(8091, 'image')).toBe('8,091 images');
    expect(formatFixed(0.7, 2)).toBe('0.70');
    expect(formatFixed(12345.6789, 1)).toBe('12345.7');
    expect(formatPercent(0.98765, 2)).toBe('98.77%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatNumber(27.123456)).toBe('27.12');
    expect(formatNumber(0.000123)).toBe('1.23e-4');
    expect(formatNumber(123456)).toBe('1.23e5');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(NaN)).toBe('—');
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(12_300)).toBe('12.3K');
  });

  it('writes sizes, durations and times', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12 * 1024)).toBe('12.0 kB');
    expect(formatBytes(3.45 * 1024 * 1024)).toBe('3.5 MB');
    expect(formatImageSize(1920, 1080)).toBe('1,920 × 1,080 px');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3_600_000 + 10 * 60_000)).toBe('2 h 10 min');
    expect(formatDuration(-1)).toBe('—');
    const t = new Date(2026, 11, 6, 3, 58, 7, 123).getTime();
    expect(formatDateTime(t)).toBe('2026-12-06 03:58:07');
    expect(formatTime(t)).toBe('03:58:07.123');
  });
});
