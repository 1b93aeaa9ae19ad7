import { describe, expect, it } from 'vitest';
import { SHORTCUTS, shortcutFor, type KeyLike } from './shortcuts';

const key = (k: string, over: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  editable: false,
  dialogOpen: false,
  ...over,
});

describe('shortcutFor', () => {
  it('maps the listed keys to their actions', () => {
    expect(shortcutFor(key('n'))).toBe('new-run');
    expect(shortcutFor(key('/'))).toBe('search');
    expect(shortcutFor(key('c'))).toBe('compare');
    expect(shortcutFor(key('?'))).toBe('help');
    expect(shortcutFor(key('t'))).toBe('theme');
    expect(shortcutFor(key('x'))).toBeNull();
    // Every action in the table has a key that triggers it.
    for (const s of SHORTCUTS) if (s.action) expect(shortcutFor(key(s.keys)), s.keys).toBe(s.action);
  });

  it('ignores keys typed into fields, with modifiers, or while a dialog is open', () => {
    expect(shortcutFor(key('n', { editable: true }))).toBeNull();
    expect(shortcutFor(key('n', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('c', { metaKey: true }))).toBeNull();
    expect(shortcutFor(key('/', { altKey: true }))).toBeNull();
    expect(shortcutFor(key('n', { dialogOpen: true }))).toBeNull();
  });
});
