import { describe, expect, it } from 'vitest';
import { hashPassword, passwordSchema, verifyPassword } from '../../../src/staff/passwords.ts';

describe('staff password schema', () => {
  it.each([
    ['12 characters', 'a'.repeat(12)],
    ['256 characters', 'a'.repeat(256)],
    ['a passphrase with spaces and unicode', 'zażółć gęślą jaźń'],
  ])('%s → accepted', (_name, password) => {
    expect(passwordSchema.safeParse(password).success).toBe(true);
  });

  it.each([
    ['empty', '', 'at least 12'],
    ['11 characters', 'a'.repeat(11), 'at least 12'],
    ['257 characters', 'a'.repeat(257), 'at most 256'],
  ])('%s → rejected with a message naming the bound', (_name, password, message) => {
    const parsed = passwordSchema.safeParse(password);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain(message);
  });

  it('a non-string → rejected', () => {
    expect(passwordSchema.safeParse(123456789012).success).toBe(false);
    expect(passwordSchema.safeParse(undefined).success).toBe(false);
  });
});

describe('password hashing', () => {
  it('hashPassword → argon2id PHC string with m=19456, t=2, p=1; verifies only the right password', async () => {
    const hash = await hashPassword('correct-horse-battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(hash).not.toContain('correct-horse-battery');
    expect(await verifyPassword(hash, 'correct-horse-battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct-horse-batterY')).toBe(false);
  });

  it('the same password twice → different hashes (salted)', async () => {
    expect(await hashPassword('same-password-123')).not.toBe(await hashPassword('same-password-123'));
  });

  it('a malformed stored hash → false, not an exception', async () => {
    expect(await verifyPassword('not-a-hash', 'whatever-password')).toBe(false);
  });
});
