import { createHmac } from 'node:crypto';

/**
 * The `webhook-signature` header of the Standard Webhooks spec (standardwebhooks.com): HMAC-SHA256
 * over "id.timestamp.body" in base64, versioned "v1,". Receivers verify it with any of the spec's
 * libraries and refuse stale timestamps, so a captured delivery cannot be replayed later.
 */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
