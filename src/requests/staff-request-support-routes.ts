import { type RequestHandler, type Response, Router } from 'express';
import { AppError } from '../http/app-error.ts';
import type { Csrf } from '../http/csrf.ts';
import { toAppError } from '../http/error-handler.ts';
import type { Views } from '../http/views.ts';
import { can } from '../staff/permissions.ts';
import { requirePermission, staffOf } from '../staff/staff-auth.ts';
import { normaliseReference } from './reference.ts';
import type { RequestDeps } from './request-deps.ts';
import { actOnRequest } from './staff-request-actions.ts';
import { formToBody, parseActionBody, supportQuery } from './staff-request-schemas.ts';
import { type SupportItem, supportLookup } from './staff-request-support.ts';

/** Timeline instants as the caller would read them: in the request's time zone. */
function withLocalTimes(item: SupportItem) {
  const when = new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: item.timeZone,
  });
  return { ...item, timeline: item.timeline.map((e) => ({ ...e, when: when.format(new Date(e.at)) })) };
}

type Deps = {
  requests: RequestDeps;
  views: Views;
  csrf: Csrf;
  auth: RequestHandler;
  sessionCsrf: RequestHandler;
};

/** Support's desk: find a request by reference or exact email and say where it stands; masked data only. */
export function supportRoutes(deps: Deps): Router {
  const router = Router();
  const lookup = [deps.auth, requirePermission('request.lookup')];

  router.get('/api/v1/staff/support', ...lookup, async (req, res) => {
    const { q } = supportQuery.parse(req.query);
    res.json({ items: await supportLookup(deps.requests, q, staffOf(res).id) });
  });

  const render = async (
    res: Response,
    page: { q: string; csrf: string; notice?: string; problem?: string },
  ) => {
    const staff = staffOf(res);
    const items = (await supportLookup(deps.requests, page.q, staff.id)).map(withLocalTimes);
    res.type('html').send(
      deps.views.render('staff/support', {
        title: 'Support lookup',
        staff,
        ...page,
        searched: page.q !== '',
        // An address typed in is not echoed back: the page never shows a subject's email unmasked.
        byEmail: page.q.includes('@'),
        shownQuery: page.q.includes('@') ? '' : page.q,
        items,
        canNote: can(staff.role, 'request.note'),
      }),
    );
  };

  router.get('/staff/support', ...lookup, async (req, res) => {
    const { q } = supportQuery.parse(req.query);
    const csrf = deps.csrf.issue(req, res, staffOf(res).sessionId);
    await render(res, { q, csrf, ...(req.query.noted === '1' ? { notice: 'Note added.' } : {}) });
  });

  router.post(
    '/staff/support/:reference/note',
    ...lookup,
    deps.sessionCsrf,
    requirePermission('request.note'),
    async (req, res) => {
      const reference = normaliseReference(String(req.params.reference ?? ''));
      if (!reference)
        throw new AppError('REQUEST_NOT_FOUND', `Request ${req.params.reference} does not exist.`);
      try {
        const input = parseActionBody('note', formToBody((req.body ?? {}) as Record<string, unknown>));
        await actOnRequest(deps.requests, staffOf(res), reference, input);
        res.redirect(303, `/staff/support?q=${encodeURIComponent(reference)}&noted=1`);
      } catch (error) {
        const known = toAppError(error);
        if (!known || !['STALE_VERSION', 'VALIDATION_FAILED'].includes(known.code)) throw error;
        res.status(known.status);
        const csrf = deps.csrf.issue(req, res, staffOf(res).sessionId);
        const problem =
          known.code === 'STALE_VERSION'
            ? 'Someone else changed this request meanwhile; here it is now. Add the note again.'
            : 'Write the note (up to 10,000 characters).';
        await render(res, { q: reference, csrf, problem });
      }
    },
  );
  return router;
}
