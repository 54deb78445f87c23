import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  signatureFor,
  signBody,
  verifySignature,
} from '../../../src/fulfilment/http/signature.ts';

const SECRET = 'whsec-test';
const BODY = '{"reference":"RD-7K3M-Q9XP"}';
const NOW = new Date('2026-03-02T10:00:00.000Z');
const T = 1772445600;
// Computed outside the code under test:
//   printf '%s' '1772445600.{"reference":"RD-7K3M-Q9XP"}' | openssl dgst -sha256 -hmac 'whsec-test'
const KNOWN = 'ba363dbc57fab42cff1760c91033fd4887d17f8c602a0c57569cfbbb0023bd07';

const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('signing', () => {
  it('known secret, timestamp and body → the HMAC-SHA256 openssl computes', () => {
    expect(signatureFor(SECRET, T, BODY)).toBe(KNOWN);
  });

  it('signBody at a clock → "t=<unix seconds>,v1=<hex>", fractions of a second dropped', () => {
    expect(signBody(SECRET, BODY, new Date(NOW.getTime() + 999))).toBe(`t=${T},v1=${KNOWN}`);
  });

  it('non-ASCII body → signed as UTF-8, verifies', () => {
    const body = '{"name":"Zoë Łukasiewicz"}';
    expect(verifySignature(SECRET, signBody(SECRET, body, NOW), body, NOW)).toEqual({
      ok: true,
      timestamp: T,
      signature: signatureFor(SECRET, T, body),
    });
  });
});

describe('verifying', () => {
  it('own signature at the same clock → ok with its timestamp and signature', () => {
    expect(verifySignature(SECRET, `t=${T},v1=${KNOWN}`, BODY, NOW)).toEqual({
      ok: true,
      timestamp: T,
      signature: KNOWN,
    });
  });

  it('no header → missing', () => {
    expect(verifySignature(SECRET, undefined, BODY, NOW)).toEqual({ ok: false, problem: 'missing' });
    expect(verifySignature(SECRET, '', BODY, NOW)).toEqual({ ok: false, problem: 'missing' });
  });

  it.each([
    ['no timestamp', `v1=${KNOWN}`],
    ['no v1', `t=${T}`],
    ['v1 not 64 hex digits', `t=${T},v1=${KNOWN.slice(1)}`],
    ['uppercase hex', `t=${T},v1=${KNOWN.toUpperCase()}`],
    ['timestamp not a number', `t=soon,v1=${KNOWN}`],
    ['another scheme', `sha256=${KNOWN}`],
    ['over 1000 characters', `t=${T},${`v1=${KNOWN},`.repeat(15)}`],
  ])('%s → malformed', (_case, header) => {
    expect(verifySignature(SECRET, header, BODY, NOW)).toEqual({ ok: false, problem: 'malformed' });
  });

  it('body changed by one character → mismatch', () => {
    expect(verifySignature(SECRET, `t=${T},v1=${KNOWN}`, BODY.replace('Q9XP', 'Q9XQ'), NOW)).toEqual({
      ok: false,
      problem: 'mismatch',
    });
  });

  it('same body re-serialised with a space → mismatch (the raw text is what counts)', () => {
    expect(verifySignature(SECRET, `t=${T},v1=${KNOWN}`, '{"reference": "RD-7K3M-Q9XP"}', NOW)).toEqual({
      ok: false,
      problem: 'mismatch',
    });
  });

  it('another secret → mismatch', () => {
    expect(verifySignature('whsec-other', `t=${T},v1=${KNOWN}`, BODY, NOW)).toEqual({
      ok: false,
      problem: 'mismatch',
    });
  });

  it('signature moved to another timestamp inside the window → mismatch', () => {
    expect(verifySignature(SECRET, `t=${T + 1},v1=${KNOWN}`, BODY, NOW)).toEqual({
      ok: false,
      problem: 'mismatch',
    });
  });

  it('rotation: an old and the current v1 in one header → ok on the matching one', () => {
    const old = signatureFor('whsec-old', T, BODY);
    expect(verifySignature(SECRET, `t=${T}, v1=${old}, v1=${KNOWN}`, BODY, NOW)).toMatchObject({
      ok: true,
      signature: KNOWN,
    });
  });

  it('timestamp exactly at the tolerance, either way → ok', () => {
    const header = `t=${T},v1=${KNOWN}`;
    expect(verifySignature(SECRET, header, BODY, at(SIGNATURE_TOLERANCE_SECONDS)).ok).toBe(true);
    expect(verifySignature(SECRET, header, BODY, at(-SIGNATURE_TOLERANCE_SECONDS)).ok).toBe(true);
  });

  it('timestamp one second past the tolerance, either way → stale', () => {
    const header = `t=${T},v1=${KNOWN}`;
    expect(verifySignature(SECRET, header, BODY, at(SIGNATURE_TOLERANCE_SECONDS + 1))).toEqual({
      ok: false,
      problem: 'stale',
    });
    expect(verifySignature(SECRET, header, BODY, at(-SIGNATURE_TOLERANCE_SECONDS - 1))).toEqual({
      ok: false,
      problem: 'stale',
    });
  });

  it('stale and wrong at once → stale (the cheap check answers first)', () => {
    expect(verifySignature('whsec-other', `t=${T},v1=${KNOWN}`, BODY, at(3600))).toEqual({
      ok: false,
      problem: 'stale',
    });
  });

  it('custom tolerance of 60 s → 61 s old is stale', () => {
    expect(verifySignature(SECRET, `t=${T},v1=${KNOWN}`, BODY, at(61), 60)).toEqual({
      ok: false,
      problem: 'stale',
    });
  });
});
