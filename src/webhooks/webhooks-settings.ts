import { ipMatcher, loopbackCidrs } from '../transport/ip-match.ts';

/** Where request events go, and the key they are signed with (Standard Webhooks, HMAC-SHA256). */
export type WebhookSettings = Readonly<{ url: string; key: Buffer }>;
type Problem = { variable: string; problem: string };

const loopbackIp = ipMatcher(loopbackCidrs);
// URL hostnames keep IPv6 brackets: [::1].
const loopback = (host: string) => host === 'localhost' || loopbackIp(host.replace(/^\[(.*)\]$/, '$1'));

function checkUrl(value: string, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  // fetch refuses URLs with credentials: every delivery would fail. Put a token in the path or query.
  if (url.username || url.password)
    return 'must not contain a user name or password (put a token in the path or query)';
  // Events name requests by reference and status: over plain http they could be read or forged on the way.
  if (production && url.protocol === 'http:' && !loopback(url.hostname))
    return 'must be https in production (plain http only to this host)';
  return undefined;
}

// Standard Webhooks secrets: "whsec_" and the key in base64, 24 to 64 bytes.
function keyOf(secret: string): Buffer | undefined {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match?.[1]) return undefined;
  const key = Buffer.from(match[1], 'base64');
  return key.length >= 24 && key.length <= 64 ? key : undefined;
}

/** WEBHOOK_URL and WEBHOOK_SECRET: both or neither; a problem names its variable. */
export function webhookSettings(
  url: string | undefined,
  secret: string | undefined,
  production: boolean,
): WebhookSettings | undefined | Problem {
  if (!url && !secret) return undefined;
  if (!url) return { variable: 'WEBHOOK_URL', problem: 'is required when WEBHOOK_SECRET is set' };
  if (!secret) return { variable: 'WEBHOOK_SECRET', problem: 'is required when WEBHOOK_URL is set' };
  const urlProblem = checkUrl(url, production);
  if (urlProblem) return { variable: 'WEBHOOK_URL', problem: urlProblem };
  const key = keyOf(secret);
  if (!key)
    return {
      variable: 'WEBHOOK_SECRET',
      problem: 'must be "whsec_" and 24 to 64 random bytes in base64 (e.g. whsec_$(openssl rand -base64 32))',
    };
  return Object.freeze({ url, key });
}
