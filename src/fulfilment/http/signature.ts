import { createHmac, timingSafeEqual } from 'node:crypto';

// Rightsdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body"> — the same scheme both ways:
// on requests to http sources, on their answers, and on their callbacks. Several v1 values may be sent
// while a secret is being rotated; any one matching is enough.
export const SIGNATURE_HEADER = 'Rightsdesk-Signature';
/** How far a signature's timestamp may be from our clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signatureFor(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signBody(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${signatureFor(secret, t, body)}`;
}

export type SignatureCheck =
  | { ok: true; timestamp: number; signature: string }
  | { ok: false; problem: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  now: Date,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return { ok: false, problem: 'missing' };
  if (header.length > 1000) return { ok: false, problem: 'malformed' };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, problem: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return { ok: false, problem: 'stale' };
  const expected = Buffer.from(signatureFor(secret, timestamp, body), 'hex');
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) {
      return { ok: true, timestamp, signature: candidate };
    }
  }
  return { ok: false, problem: 'mismatch' };
}
