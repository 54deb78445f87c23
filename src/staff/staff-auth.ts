import { BlockList, isIPv4 } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../http/app-error.ts';
import { wantsJson } from '../http/error-handler.ts';
import { can, type Permission } from './permissions.ts';
import {
  authenticate,
  cookieJwtSeconds,
  type StaffDeps,
  type StaffIdentity,
  signStaffJwt,
} from './staff-service.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by staffAuth; CSRF tokens of staff forms are bound to its sessionId. */
    staff?: StaffIdentity;
  }
}

export type StaffCookie = { name: string; secure: boolean };

/** CSRF binding for staff forms: a token from one session is useless in another. */
export const staffCsrfBinding = (req: Request) => req.staff?.sessionId;

export function staffCookie(secure: boolean): StaffCookie {
  // __Host- : no Domain, Path=/, Secure — a sibling subdomain cannot plant or read it.
  return { name: secure ? '__Host-rd_staff' : 'rd_staff', secure };
}

export function setStaffCookie(
  res: Response,
  cookie: StaffCookie,
  token: string,
  maxAgeSeconds: number,
): void {
  res.append(
    'Set-Cookie',
    `${cookie.name}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${cookie.secure ? '; Secure' : ''}`,
  );
}

export function clearStaffCookie(res: Response, cookie: StaffCookie): void {
  res.append(
    'Set-Cookie',
    `${cookie.name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${cookie.secure ? '; Secure' : ''}`,
  );
}

function tokenFrom(
  req: Request,
  cookie: StaffCookie,
): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^Bearer [A-Za-z0-9._-]+$/.test(header))
    return { token: header.slice(7), via: 'bearer' };
  // The JSON API has no CSRF check, so a cookie must not authenticate it: Bearer tokens only.
  if (req.originalUrl.toLowerCase().startsWith('/api/')) return undefined;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookie.name && value.length) return { token: value.join('='), via: 'cookie' };
  }
  return undefined;
}

export const staffOf = (res: Response): StaffIdentity => {
  const staff = res.locals.staff as StaffIdentity | undefined;
  if (!staff) throw new AppError('UNAUTHENTICATED', 'Please sign in.');
  return staff;
};

/**
 * Every staff route: a Bearer token (API) or the session cookie (pages), checked against the session
 * row. Pages without a session go to the login page; the cookie's short JWT is renewed as it ages.
 */
export function staffAuth(deps: StaffDeps, cookie: StaffCookie): RequestHandler {
  return async (req, res, next) => {
    const found = tokenFrom(req, cookie);
    try {
      if (!found) throw new AppError('UNAUTHENTICATED', 'Please sign in.');
      const session = await authenticate(deps, found.token);
      res.locals.staff = session.identity;
      req.staff = session.identity;
      const now = deps.now();
      if (
        found.via === 'cookie' &&
        session.tokenExpiresAt.getTime() - now.getTime() < (cookieJwtSeconds * 1000) / 2
      ) {
        const expires = new Date(
          Math.min(session.sessionExpiresAt.getTime(), now.getTime() + cookieJwtSeconds * 1000),
        );
        const token = signStaffJwt(
          deps.secretKey,
          { id: session.identity.sessionId, staffId: session.identity.id },
          expires,
          now,
        );
        setStaffCookie(res, cookie, token, cookieJwtSeconds);
      }
      next();
    } catch (error) {
      if (
        error instanceof AppError &&
        error.code === 'UNAUTHENTICATED' &&
        !wantsJson(req) &&
        req.method === 'GET'
      ) {
        res.redirect(303, `/staff/login?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      next(error);
    }
  };
}

export function requirePermission(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const staff = staffOf(res);
    next(
      can(staff.role, permission)
        ? undefined
        : new AppError('FORBIDDEN', `The ${staff.role} role may not do this (${permission}).`),
    );
  };
}

/** STAFF_ALLOWED_IPS: when set, staff routes answer only to these networks (404 elsewhere: nothing to see). */
export function staffIpAllowlist(cidrs: readonly string[]): RequestHandler {
  if (cidrs.length === 0) return (_req, _res, next) => next();
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits = ''] = cidr.split('/');
    list.addSubnet(address, Number(bits), isIPv4(address) ? 'ipv4' : 'ipv6');
  }
  return (req, _res, next) => {
    const ip = (req.ip ?? '').replace(/^::ffff:/, '');
    const allowed = ip !== '' && list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
    next(allowed ? undefined : new AppError('NOT_FOUND', `Nothing is at ${req.method} ${req.path}.`));
  };
}
