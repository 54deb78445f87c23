import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../../src/requests/staff-item.ts';

describe('maskEmail (support sees masked addresses)', () => {
  it.each([
    ['jane.doe@example.org', 'j***@e***.org'],
    ['a@b.co', 'a***@b***.co'],
    ['john@mail.example.co.uk', 'j***@m***.uk'],
    ['x@localhost', 'x***@l***'],
  ])('%s → %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it('the masked form → never contains the local part or the domain name beyond one letter', () => {
    const masked = maskEmail('secretname@hiddencorp.com');
    expect(masked).not.toContain('secretname');
    expect(masked).not.toContain('hiddencorp');
    expect(masked).toBe('s***@h***.com');
  });

  it('addresses that differ only after the first letters → the same mask (not reversible)', () => {
    expect(maskEmail('anna@example.org')).toBe(maskEmail('adam@evil.org'));
  });

  it('malformed input (no @) → a mask, not an exception', () => {
    expect(() => maskEmail('no-at-sign')).not.toThrow();
    expect(maskEmail('no-at-sign')).not.toContain('no-at-sign');
  });
});
