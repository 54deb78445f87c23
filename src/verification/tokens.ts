import { createHash, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { AppError } from '../http/app-error.ts';

export type TokenPurpose = 'verify' | 'status';

const claims = z.object({
  purpose: z.enum(['verify', 'status']),
  rid: z.uuid(),
  jti: z.string().min(16).optional(),
  exp: z.number().int(),
});

export type TokenClaims = z.infer<typeof claims> & { expired: boolean };

// jsonwebtoken turns a string secret into a KeyObject on every call; do it once per secret.
const keys = new Map<string, KeyObject>();
export function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

/** Tokens travel in URLs: only HS256, signed with SECRET_KEY, never `none` or another algorithm. */
export function signToken(
  secret: string,
  input: { purpose: TokenPurpose; requestId: string; ttlSeconds: number; now: Date; withJti?: boolean },
): { token: string; jti: string | undefined; expiresAt: Date } {
  const iat = Math.floor(input.now.getTime() / 1000);
  const jti = input.withJti ? randomBytes(18).toString('base64url') : undefined;
  const exp = iat + input.ttlSeconds;
  const token = jwt.sign(
    { purpose: input.purpose, rid: input.requestId, iat, exp, ...(jti ? { jti } : {}) },
    keyFor(secret),
    {
      algorithm: 'HS256',
    },
  );
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

/** Checks signature and purpose; expiry is reported, not thrown, so an expired link can offer a resend. */
export function readToken(secret: string, token: string, purpose: TokenPurpose, now: Date): TokenClaims {
  if (token.length > 2048) throw new AppError('TOKEN_INVALID', 'This link is not valid.');
  let payload: unknown;
  try {
    payload = jwt.verify(token, keyFor(secret), { algorithms: ['HS256'], ignoreExpiration: true });
  } catch {
    throw new AppError('TOKEN_INVALID', 'This link is not valid. Check that it was copied whole.');
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success || parsed.data.purpose !== purpose) {
    throw new AppError('TOKEN_INVALID', 'This link is not valid. Check that it was copied whole.');
  }
  return { ...parsed.data, expired: parsed.data.exp * 1000 <= now.getTime() };
}

/** Only this digest of a token id is stored: a database leak yields no usable link. */
export function hashJti(jti: string): string {
  return createHash('sha256').update(jti).digest('hex');
}
