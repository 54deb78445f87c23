import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from './app-error.ts';

/*
 * Stateless signed double-submit CSRF protection for server-rendered forms.
 *
 * Each browser gets a random value in an HttpOnly, SameSite=Lax cookie; every form carries
 * HMAC(secretKey, cookieValue + ':' + binding) in a hidden `_csrf` field. A cross-site page can make
 * the browser send the cookie but can neither read it nor compute the HMAC, so it cannot forge the
 * field. Nothing is stored server-side, so any web process can check any form.
 *
 * `binding` ties a token to something else the request proves, e.g. the staff session id, so a
 * token leaked from one session is useless in another. Public subject forms have no session.
 *
 * JSON API routes under /api are deliberately NOT protected: no cookie authenticates them (staff
 * use a Bearer header, subjects a token in the body), so a forged cross-site request carries no
 * credentials worth stealing. Mount protect() on form routes only, after the body parser (for
 * multipart, after the route's multipart parser, or send the token in X-CSRF-Token).
 */

export type CsrfOptions = { secretKey: string; secureCookies: boolean };
export type CsrfBinding = (req: Request) => string | undefined;

export type Csrf = {
  /** The token for a hidden `_csrf` field; sets the cookie first when the browser has none. */
  issue(req: Request, res: Response, binding?: string): string;
  /** Rejects unsafe-method requests without a matching token with FORBIDDEN. */
  protect(binding?: CsrfBinding): RequestHandler;
};

export const csrfFieldName = '_csrf';
export const csrfHeaderName = 'x-csrf-token';
const expiredMessage = 'The form expired or was opened in another browser. Reload the page and try again.';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
// 32 random bytes in base64url: anything else in the cookie is someone else's garbage.
const cookieValueShape = /^[A-Za-z0-9_-]{43}$/;

/** The first well-formed value of cookie `name`; never throws, whatever the header holds. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (cookieValueShape.test(value)) return value;
  }
  return undefined;
}

export function csrfToken(secretKey: string, cookieValue: string, binding = ''): string {
  // The ':' never occurs in base64url, so (cookieValue, binding) pairs cannot collide.
  return createHmac('sha256', secretKey).update(`${cookieValue}:${binding}`).digest('base64url');
}

function sameToken(submitted: string, expected: string): boolean {
  const a = Buffer.from(submitted);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function submittedToken(req: Request): string | undefined {
  const body: unknown = req.body;
  if (body && typeof body === 'object') {
    const field = (body as Record<string, unknown>)[csrfFieldName];
    if (typeof field === 'string') return field;
  }
  const header = req.headers[csrfHeaderName];
  return typeof header === 'string' ? header : undefined;
}

export function createCsrf({ secretKey, secureCookies }: CsrfOptions): Csrf {
  // __Host- forbids Domain and requires Secure + Path=/: a sibling subdomain cannot plant its own value.
  const cookieName = secureCookies ? '__Host-rd_csrf' : 'rd_csrf';
  const attributes = `Path=/; HttpOnly; SameSite=Lax${secureCookies ? '; Secure' : ''}`;
  // A page may issue several tokens while the cookie is still only in the response: reuse that value.
  const issued = new WeakMap<Request, string>();

  const cookieOf = (req: Request) => issued.get(req) ?? readCookie(req.headers.cookie, cookieName);

  return {
    issue(req, res, binding) {
      let value = cookieOf(req);
      if (!value) {
        value = randomBytes(32).toString('base64url');
        issued.set(req, value);
        // A session cookie: it lives as long as the browser session, which is enough to fill in a form.
        res.append('Set-Cookie', `${cookieName}=${value}; ${attributes}`);
      }
      return csrfToken(secretKey, value, binding);
    },
    protect(binding) {
      return (req, _res, next) => {
        if (safeMethods.has(req.method)) return next();
        const value = readCookie(req.headers.cookie, cookieName);
        const submitted = submittedToken(req);
        const expected = value ? csrfToken(secretKey, value, binding?.(req)) : undefined;
        if (!expected || !submitted || !sameToken(submitted, expected)) {
          return next(new AppError('CSRF_FAILED', expiredMessage));
        }
        next();
      };
    },
  };
}
