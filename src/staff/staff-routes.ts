import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../http/app-error.ts';
import type { Csrf } from '../http/csrf.ts';
import { nulMessage, withoutNul } from '../http/no-nul.ts';
import type { Views } from '../http/views.ts';
import {
  clearStaffCookie,
  type StaffCookie,
  setStaffCookie,
  staffAuth,
  staffCsrfBinding,
  staffOf,
} from './staff-auth.ts';
import { cookieJwtSeconds, login, logout, type StaffDeps } from './staff-service.ts';

// The email is looked up in the database, where text cannot hold a NUL.
const loginEmail = z.string().max(254).refine(withoutNul, nulMessage);
const loginBody = z.strictObject({ email: loginEmail, password: z.string().max(256) });
const loginForm = z.object({
  email: loginEmail.default(''),
  password: z.string().max(256).default(''),
  next: z.string().max(500).optional(),
  _csrf: z.string().optional(),
});

// Only same-site paths under /staff: never an open redirect.
const safeNext = (next: string | undefined) =>
  next && /^\/staff(?!.*\/(?:\.|%2[eE]){1,2}(?:[/?]|$))([/?][\w\-/?=&%.,]*)?$/.test(next) ? next : '/staff';

export type StaffRouteDeps = {
  staff: StaffDeps;
  views: Views;
  csrf: Csrf;
  cookie: StaffCookie;
  loginLimit: RequestHandler;
};

export function staffSessionRoutes(deps: StaffRouteDeps): Router {
  const router = Router();
  const auth = staffAuth(deps.staff, deps.cookie);
  const anonymousCsrf = deps.csrf.protect();
  const sessionCsrf = deps.csrf.protect(staffCsrfBinding);

  router.post('/api/v1/staff/login', deps.loginLimit, async (req, res) => {
    const body = loginBody.parse(req.body ?? {});
    const { token, expiresAt } = await login(deps.staff, { ...body, kind: 'bearer' });
    res.json({ token, expiresAt: expiresAt.toISOString() });
  });

  router.post('/api/v1/staff/logout', auth, async (_req, res) => {
    await logout(deps.staff, staffOf(res));
    res.status(204).end();
  });

  router.get('/staff/login', (req, res) => {
    const next = typeof req.query.next === 'string' ? safeNext(req.query.next) : '/staff';
    res
      .type('html')
      .send(
        deps.views.render('staff/login', { title: 'Staff sign-in', csrf: deps.csrf.issue(req, res), next }),
      );
  });

  router.post('/staff/login', deps.loginLimit, anonymousCsrf, async (req, res) => {
    const form = loginForm.parse(req.body ?? {});
    try {
      const { token } = await login(deps.staff, {
        email: form.email,
        password: form.password,
        kind: 'cookie',
      });
      setStaffCookie(res, deps.cookie, token, cookieJwtSeconds);
      res.redirect(303, safeNext(form.next));
    } catch (error) {
      if (!(error instanceof AppError) || !['UNAUTHENTICATED', 'RATE_LIMITED'].includes(error.code))
        throw error;
      res.status(error.status).type('html');
      res.send(
        deps.views.render('staff/login', {
          title: 'Staff sign-in',
          csrf: deps.csrf.issue(req, res),
          next: safeNext(form.next),
          email: form.email,
          error: error.message,
        }),
      );
    }
  });

  router.post('/staff/logout', auth, sessionCsrf, async (_req, res) => {
    await logout(deps.staff, staffOf(res));
    clearStaffCookie(res, deps.cookie);
    res.redirect(303, '/staff/login');
  });
  return router;
}
