import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lawRule } from '../../../src/deadlines/index.ts';
import { AppError } from '../../../src/http/app-error.ts';
import {
  emailHmac,
  gpcSuppression,
  listUnsubscribePost,
  normaliseEmail,
  readUnsubscribeToken,
  unsubscribeToken,
  unsubscribeUrl,
} from '../../../src/suppression/suppression-service.ts';

const key = 'unit-test-secret-key-that-is-long-enough-0123';
const otherKey = 'another-secret-key-that-is-long-enough-98765';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'no error';
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
};

/** Changes one character in the middle of a base64url part (not the last: its low bits are padding). */
function swapMiddle(part: string): string {
  const i = Math.floor(part.length / 2);
  return `${part.slice(0, i)}${part[i] === 'A' ? 'B' : 'A'}${part.slice(i + 1)}`;
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The last of 43 base64url characters carries 4 data bits and 2 padding bits: flip one of the latter. */
const flipPaddingBit = (c: string) => alphabet[alphabet.indexOf(c) ^ 1]!;

describe('emailHmac', () => {
  it('case and surrounding whitespace → the same HMAC', () => {
    const h = emailHmac(key, 'ana@example.org');
    expect(emailHmac(key, '  Ana@EXAMPLE.org\t')).toBe(h);
    expect(emailHmac(key, 'ANA@EXAMPLE.ORG\n')).toBe(h);
    expect(normaliseEmail('  Ana@EXAMPLE.org ')).toBe('ana@example.org');
  });

  it('different addresses → different HMACs', () => {
    expect(emailHmac(key, 'ana@example.org')).not.toBe(emailHmac(key, 'ana@example.com'));
    expect(emailHmac(key, 'ana@example.org')).not.toBe(emailHmac(key, 'ana.@example.org'));
  });

  it('another SECRET_KEY → another HMAC (the list is useless without the key)', () => {
    expect(emailHmac(key, 'ana@example.org')).not.toBe(emailHmac(otherKey, 'ana@example.org'));
  });

  it('output → 43 base64url characters, not a bare hash of the address', () => {
    const h = emailHmac(key, 'ana@example.org');
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(h).not.toBe(createHash('sha256').update('ana@example.org').digest('base64url'));
    expect(h).not.toContain('ana');
  });
});

describe('unsubscribe tokens', () => {
  it('token → `hmac.mac`, URL-safe, with no address in it, stable per address', () => {
    const token = unsubscribeToken(key, 'Ana@Example.org');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(token.split('.')[0]).toBe(emailHmac(key, 'ana@example.org'));
    expect(token).toBe(unsubscribeToken(key, ' ana@example.org '));
    expect(token.toLowerCase()).not.toContain('ana');
  });

  it('a genuine token → read back as the address HMAC', () => {
    expect(readUnsubscribeToken(key, unsubscribeToken(key, 'ana@example.org'))).toBe(
      emailHmac(key, 'ana@example.org'),
    );
  });

  it('unsubscribeUrl → {PUBLIC_URL}/unsubscribe/{token}', () => {
    const config = { publicUrl: 'https://privacy.example.test', secretKey: key };
    expect(unsubscribeUrl(config, 'ana@example.org')).toBe(
      `https://privacy.example.test/unsubscribe/${unsubscribeToken(key, 'ana@example.org')}`,
    );
    expect(listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
  });

  const genuine = unsubscribeToken(key, 'ana@example.org');
  const [hmac = '', mac = ''] = genuine.split('.');
  it('a non-canonical MAC decodes to the same bytes (so the test below means something)', () => {
    const changed = `${mac.slice(0, -1)}${flipPaddingBit(mac.at(-1)!)}`;
    expect(changed).not.toBe(mac);
    expect(Buffer.from(changed, 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
  });

  it.each([
    ['tampered HMAC part', `${swapMiddle(hmac)}.${mac}`],
    ['tampered MAC part', `${hmac}.${swapMiddle(mac)}`],
    ['another address with this MAC', `${emailHmac(key, 'bob@example.org')}.${mac}`],
    ['signed with another SECRET_KEY', unsubscribeToken(otherKey, 'ana@example.org')],
    [
      'non-canonical MAC (same bytes, a padding bit set)',
      `${hmac}.${mac.slice(0, -1)}${flipPaddingBit(mac.at(-1)!)}`,
    ],
    ['HMAC only', hmac],
    ['empty', ''],
    ['three parts', `${genuine}.x`],
    ['padded base64', `${hmac}=.${mac}=`],
    ['a JWT-looking string', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'],
  ])('%s → TOKEN_INVALID', (_name, token) => {
    expect(codeOf(() => readUnsubscribeToken(key, token))).toBe('TOKEN_INVALID');
  });
});

const clockSettings = {
  orgCountry: 'PL',
  orgTimeZone: 'Europe/Warsaw',
  ccpaBusinessDays: 'weekdays',
  caloppaResponseDays: 30,
} as const;

describe('gpcSuppression', () => {
  const input = { secretKey: key, email: 'Ana@Example.org', requestId: 'r-1', now: new Date(0) };

  it('ccpa → a sale_sharing suppression of origin gpc for the request, keyed by the HMAC', () => {
    expect(gpcSuppression({ ...input, signal: lawRule('ccpa', clockSettings).optOutSignal })).toEqual({
      emailHmac: emailHmac(key, 'ana@example.org'),
      scope: 'sale_sharing',
      origin: 'gpc',
      requestId: 'r-1',
      createdAt: new Date(0),
    });
  });

  it.each(['gdpr', 'uk-gdpr', 'caloppa', 'lgpd'] as const)(
    '%s → nothing (the rules table gives the signal no such effect there)',
    (law) => {
      expect(gpcSuppression({ ...input, signal: lawRule(law, clockSettings).optOutSignal })).toBeUndefined();
    },
  );
});
