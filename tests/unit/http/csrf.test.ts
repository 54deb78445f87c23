import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csrfToken, readCookie } from '../../../src/http/csrf.ts';

const value = `${'A'.repeat(21)}_-${'z'.repeat(20)}`; // 43 base64url characters

describe('readCookie', () => {
  it('the named cookie among others → its value', () => {
    expect(readCookie(`theme=dark; rd_csrf=${value}; lang=pl`, 'rd_csrf')).toBe(value);
  });

  it('a quoted value → unquoted', () => {
    expect(readCookie(`rd_csrf="${value}"`, 'rd_csrf')).toBe(value);
  });

  it('a cookie whose name only ends with the name → not matched', () => {
    expect(readCookie(`x_rd_csrf=${value}`, 'rd_csrf')).toBeUndefined();
    expect(readCookie(`__Host-rd_csrf=${value}`, 'rd_csrf')).toBeUndefined();
  });

  it('a malformed value first and a good one later → the good one', () => {
    expect(readCookie(`rd_csrf=bad; rd_csrf=${value}`, 'rd_csrf')).toBe(value);
  });

  it('missing, empty or malformed headers → undefined', () => {
    for (const header of [
      undefined,
      '',
      ';;;',
      'rd_csrf',
      'rd_csrf=',
      '=',
      `rd_csrf=${value}x`,
      'rd_csrf=%ZZ',
    ]) {
      expect(readCookie(header, 'rd_csrf')).toBeUndefined();
    }
  });

  it('any string as a header → never throws', () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        const result = readCookie(header, 'rd_csrf');
        expect(result === undefined || /^[A-Za-z0-9_-]{43}$/.test(result)).toBe(true);
      }),
    );
  });
});

describe('csrfToken', () => {
  it('same inputs → same base64url token', () => {
    const token = csrfToken('k'.repeat(32), value, 'session');
    expect(token).toBe(csrfToken('k'.repeat(32), value, 'session'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a different binding, cookie or key → a different token', () => {
    const token = csrfToken('k'.repeat(32), value, 'session');
    expect(csrfToken('k'.repeat(32), value, 'other')).not.toBe(token);
    expect(csrfToken('k'.repeat(32), value)).not.toBe(token);
    expect(csrfToken('k'.repeat(32), `${value.slice(1)}B`, 'session')).not.toBe(token);
    expect(csrfToken('j'.repeat(32), value, 'session')).not.toBe(token);
  });

  it('no binding → the same as an empty binding', () => {
    expect(csrfToken('k'.repeat(32), value)).toBe(csrfToken('k'.repeat(32), value, ''));
  });
});
