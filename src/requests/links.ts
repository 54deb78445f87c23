import type { Config } from '../config.ts';
import { signToken } from '../verification/tokens.ts';

// Status links live as long as the request's records are kept (24 months, CCPA §7101) plus slack.
const statusTtlSeconds = 800 * 24 * 3600;

export function statusUrl(
  config: Pick<Config, 'publicUrl' | 'secretKey'>,
  requestId: string,
  now: Date,
): string {
  const { token } = signToken(config.secretKey, {
    purpose: 'status',
    requestId,
    ttlSeconds: statusTtlSeconds,
    now,
  });
  return `${config.publicUrl}/status/${token}`;
}

export function verifyUrl(config: Pick<Config, 'publicUrl'>, token: string): string {
  return `${config.publicUrl}/verify/${token}`;
}
