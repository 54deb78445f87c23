import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  minimumStrength,
  passwordSchema,
  passwordSchemaFor,
  passwordStrength,
  verifyPassword,
} from '../../../src/staff/passwords.ts';

describe('staff password schema', () => {
  it.each([
    ['12 characters', 'a'.repeat(12)],
    ['128 characters', 'a'.repeat(128)],
    ['128 code points of emoji (256 UTF-16 units)', '🐎'.repeat(128)],
    ['a passphrase with spaces and unicode', 'zażółć gęślą jaźń'],
  ])('%s → accepted', (_name, password) => {
    expect(passwordSchema.safeParse(password).success).toBe(true);
  });

  it.each([
    ['empty', '', 'at least 12'],
    ['11 characters', 'a'.repeat(11), 'at least 12'],
    ['129 characters', 'a'.repeat(129), 'at most 128'],
    ['11 emoji', '🐎'.repeat(11), 'at least 12'],
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

describe('staff password strength', () => {
  it.each([
    ['a leaked password with digits', 'password1234'],
    ['a capitalised leaked password with a symbol', 'Password123!'],
    ['a keyboard row', 'qwertyuiop123'],
    ['one repeated character', 'aaaaaaaaaaaa'],
    ['digits only', '123456789012'],
    ['the email address with a digit', 'dpo@example.org1'],
    ['the email domain and a year', 'example.org2026'],
  ])('%s → refused as too easy to guess', (_name, password) => {
    expect(passwordStrength(password, ['dpo@example.org'])).toBeLessThan(minimumStrength);
    const parsed = passwordSchemaFor('dpo@example.org').safeParse(password);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('too easy to guess');
  });

  it.each([
    ['a passphrase of unrelated words', 'violet-tractor-sings-quietly'],
    ['a long passphrase with spaces and unicode', 'zażółć gęślą jaźń w październiku'],
    ['a random string', 'k7#Qv9!mR2xz'],
  ])('%s → accepted', (_name, password) => {
    expect(passwordSchemaFor('dpo@example.org').safeParse(password).success).toBe(true);
  });

  it('length is still checked first: a short password → the length message', () => {
    const parsed = passwordSchemaFor('dpo@example.org').safeParse('short');
    expect(parsed.error?.issues[0]?.message).toContain('at least 12');
  });

  it('a very long password → estimated on its first 100 characters, quickly, and accepted', () => {
    expect(passwordSchemaFor('dpo@example.org').safeParse(`x${'z9'.repeat(63)}`).success).toBe(true);
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
