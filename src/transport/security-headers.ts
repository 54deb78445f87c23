import type { RequestHandler } from 'express';

// HSTS tells browsers to use https only, for a year, on every subdomain too: sent only when the public
// URL is https, since on plain http it would be ignored at best and lock users out at worst.
export const hstsMaxAgeSeconds = 365 * 24 * 3600;

export function hstsFor(publicUrl: string): false | { maxAge: number; includeSubDomains: true } {
  return publicUrl.startsWith('https:') ? { maxAge: hstsMaxAgeSeconds, includeSubDomains: true } : false;
}

/**
 * Every dynamic answer is `Cache-Control: no-store` unless its route says otherwise (ASVS V8.2.1,
 * V8.1.1): status, verification, download and staff pages and the staff API carry personal data, and a
 * shared computer's browser cache or a proxy must not keep them. Static assets are served before this.
 */
export function noStore(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
