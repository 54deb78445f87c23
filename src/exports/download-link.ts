import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { AppError } from '../http/app-error.ts';
import { keyFor } from '../verification/tokens.ts';

// A download link names one bundle and dies with it: exp is the bundle's expiry. The link alone
// downloads nothing (an emailed one-time code is asked for), and the bundle row is the authority on
// revocation and expiry; the signature only proves we made the link.
const claims = z.object({ purpose: z.literal('download'), bid: z.uuid(), exp: z.number().int() });

export function downloadUrl(
  config: Pick<Config, 'publicUrl' | 'secretKey'>,
  bundleId: string,
  expiresAt: Date,
) {
  const token = jwt.sign(
    { purpose: 'download', bid: bundleId, exp: Math.floor(expiresAt.getTime() / 1000) },
    keyFor(config.secretKey),
    { algorithm: 'HS256', noTimestamp: true },
  );
  return `${config.publicUrl}/download/${token}`;
}

/**
 * The bundle a link names. Expiry is not checked here (the bundle row says whether it is expired,
 * and an expired link still leads to the "send me a new copy" page); a bad signature is TOKEN_INVALID.
 */
export function readDownloadToken(secret: string, token: string): { bundleId: string } {
  const invalid = new AppError('TOKEN_INVALID', 'This link is not valid. Check that it was copied whole.');
  if (token.length > 2048) throw invalid;
  let payload: unknown;
  try {
    payload = jwt.verify(token, keyFor(secret), { algorithms: ['HS256'], ignoreExpiration: true });
  } catch {
    throw invalid;
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success) throw invalid;
  return { bundleId: parsed.data.bid };
}
