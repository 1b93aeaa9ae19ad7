import { describe, expect, it } from 'vitest';
import { cookieValue, parseTarget } from './request-target';

describe('parseTarget', () => {
  it('decodes an origin-form path and keeps its query', () => {
    const t = parseTarget('/assets/a%20b.js?token=abc&x=%ZZ');
    expect(t).toMatchObject({ ok: true, path: '/assets/a b.js' });
    expect(t.ok && t.query.get('token')).toBe('abc');
  });

  it('keeps //x/y a path, never a host', () => {
    expect(parseTarget('//evil.example/index.html')).toMatchObject({ ok: true, path: '//evil.example/index.html' });
  });

  it.each([
    [undefined, 'empty'],
    ['', 'empty'],
    ['http://[x', 'starting with /'],
    ['http://127.0.0.1:1/', 'starting with /'],
    ['*', 'starting with /'],
    ['/%E0%A4%A', 'percent-encoded UTF-8'],
    ['/%c0%ae%c0%ae/x', 'percent-encoded UTF-8'],
    ['/%ff', 'percent-encoded UTF-8'],
    ['/a%00b', 'control character'],
    ['/a%0d%0aSet-Cookie:x', 'control character'],
    ['/' + 'a'.repeat(5000), 'longer than'],
  ])('refuses %j with a reason', (raw, reason) => {
    const t = parseTarget(raw);
    expect(t.ok).toBe(false);
    expect(!t.ok && t.reason).toContain(reason);
  });
});

describe('cookieValue', () => {
  it('finds and decodes the named cookie among others', () => {
    expect(cookieValue('a=1; mlbl_token=x%20y; b=2', 'mlbl_token')).toBe('x y');
    expect(cookieValue('mlbl_token=a=b', 'mlbl_token')).toBe('a=b');
  });

  it('gives undefined for a missing or undecodable cookie instead of throwing', () => {
    expect(cookieValue(undefined, 'mlbl_token')).toBeUndefined();
    expect(cookieValue('other=1', 'mlbl_token')).toBeUndefined();
    expect(cookieValue('mlbl_token=%E0%A4%A', 'mlbl_token')).toBeUndefined();
    expect(cookieValue('mlbl_token=%', 'mlbl_token')).toBeUndefined();
    expect(cookieValue('mlbl_token', 'mlbl_token')).toBeUndefined();
  });
});
