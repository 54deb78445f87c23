import { accessSync, constants, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';

// The env pieces of HTTPS, proxies, metrics and security.txt. config-schema.ts owns the schema, config.ts
// the errors; these parts only say what a good value is, so every message still names its variable.

/** Express's `trust proxy`: false, a hop count, or addresses/CIDRs (and proxy-addr's named ranges). */
export type TrustProxy = false | number | readonly string[];

const namedRanges = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (namedRanges.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export const trustProxySetting = z
  .string()
  .optional()
  .transform((value, ctx): TrustProxy => {
    const v = value?.trim().toLowerCase();
    if (v === undefined || v === 'false' || v === '0') return false;
    if (/^\d+$/.test(v) && Number(v) <= 10) return Number(v);
    if (v === 'true') {
      // Trusting every hop lets any client choose its own address (and so its rate limit and allowlist).
      ctx.addIssue({
        code: 'custom',
        message: 'true would let any client choose its IP: list the proxy addresses or give a hop count',
      });
      return z.NEVER;
    }
    const entries = v.split(',').map((s) => s.trim());
    const bad = entries.find((e) => !isProxyAddress(e));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${bad}" is not an IP address, a CIDR (10.0.0.0/8), loopback, linklocal, uniquelocal or a hop count (1–10)`,
      });
      return z.NEVER;
    }
    return Object.freeze(entries);
  });

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export const tlsFileSetting = z
  .string()
  .optional()
  .refine((file) => file === undefined || readable(file), 'cannot be read (no such file or no permission)');

export type TlsFiles = Readonly<{ certFile: string; keyFile: string }>;

/** Both files or neither; the key must belong to the certificate. A problem names its variable. */
export function tlsFiles(
  certFile: string | undefined,
  keyFile: string | undefined,
): TlsFiles | undefined | { variable: string; problem: string } {
  if (!certFile && !keyFile) return undefined;
  if (!certFile) return { variable: 'TLS_CERT_FILE', problem: 'is required when TLS_KEY_FILE is set' };
  if (!keyFile) return { variable: 'TLS_KEY_FILE', problem: 'is required when TLS_CERT_FILE is set' };
  try {
    createSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
  } catch (error) {
    const reason = (error as Error).message;
    return {
      variable: /key/i.test(reason) ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE',
      problem: `is not a PEM certificate and matching private key (${reason})`,
    };
  }
  return Object.freeze({ certFile, keyFile });
}

export const metricsTokenSetting = z.string().min(16, 'must be at least 16 characters').optional();

// RFC 9116 Contact: a mailto: address or an https: page, one or more, comma-separated.
function isContactUri(value: string): boolean {
  // URL parsing silently drops tabs and newlines: refuse them, or they would add lines to the file.
  if (/\p{Cc}/u.test(value)) return false;
  try {
    const uri = new URL(value);
    if (uri.protocol === 'mailto:') return /^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(uri.pathname));
    return uri.protocol === 'https:';
  } catch {
    return false;
  }
}

const listOf = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const securityContactSetting = z
  .string()
  .optional()
  .transform((v) => (v ? listOf(v) : []))
  .pipe(
    z.array(z.string().refine(isContactUri, 'must be mailto:address or an https: URL (comma-separated)')),
  );

export const securityLanguagesSetting = z
  .string()
  .default('en, pl, de, fr, es')
  .transform(listOf)
  .pipe(
    z
      .array(z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be language tags such as en, pl'))
      .min(1),
  );

export const securityExpiresSetting = z.iso
  .datetime({ offset: true, message: 'must be an ISO date-time such as 2027-01-31T00:00:00Z' })
  .optional()
  .refine((v) => v === undefined || Date.parse(v) > Date.now(), 'must be in the future')
  .transform((v) => (v === undefined ? undefined : new Date(v)));

export type SecurityTxtSettings = Readonly<{
  contacts: readonly string[];
  policyUrl: string | undefined;
  expires: Date;
  languages: readonly string[];
}>;

// RFC 9116 §2.5.5 recommends less than a year: a restart (or a deploy) renews it.
const defaultLifetimeMs = 364 * 24 * 3600 * 1000;

export function securityTxtSettings(input: {
  contacts: string[];
  policyUrl: string | undefined;
  expires: Date | undefined;
  languages: string[];
}): SecurityTxtSettings | undefined | { variable: string; problem: string } {
  if (input.contacts.length === 0) {
    if (input.policyUrl || input.expires) {
      return {
        variable: 'SECURITY_CONTACT',
        problem: 'is required for security.txt (SECURITY_POLICY_URL or SECURITY_TXT_EXPIRES is set)',
      };
    }
    return undefined;
  }
  return Object.freeze({
    contacts: Object.freeze([...input.contacts]),
    policyUrl: input.policyUrl,
    expires: input.expires ?? new Date(Date.now() + defaultLifetimeMs),
    languages: Object.freeze([...input.languages]),
  });
}
