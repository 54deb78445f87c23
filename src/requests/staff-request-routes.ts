import { type Request, type RequestHandler, type Response, Router } from 'express';
import { listExports } from '../exports/exports-service.ts';
import type { FulfilmentDeps } from '../fulfilment/fulfilment-deps.ts';
import { erasurePlan, rectificationReview } from '../fulfilment/review-service.ts';
import { AppError } from '../http/app-error.ts';
import type { Csrf } from '../http/csrf.ts';
import { toAppError } from '../http/error-handler.ts';
import type { Views } from '../http/views.ts';
import { can, type Permission } from '../staff/permissions.ts';
import {
  requirePermission,
  type StaffCookie,
  staffAuth,
  staffCsrfBinding,
  staffOf,
} from '../staff/staff-auth.ts';
import type { StaffDeps } from '../staff/staff-service.ts';
import { normaliseReference } from './reference.ts';
import type { RequestDeps } from './request-deps.ts';
import { toStaffItem } from './staff-item.ts';
import { actOnRequest } from './staff-request-actions.ts';
import { formToBody, parseActionBody, type StaffAction, staffActionParam } from './staff-request-schemas.ts';
import { getStaffRequest, type StaffRequestView, toStaffRequestJson } from './staff-request-service.ts';
import { supportRoutes } from './staff-request-support-routes.ts';
import { doneNotice, type PageState, requestPageContext } from './staff-request-view.ts';
import type { PageReview } from './staff-request-view-fulfilment.ts';

export type StaffRequestRouteDeps = {
  requests: RequestDeps;
  /** The data sources: the page shows the erasure dry run and the rectification diff before approval. */
  fulfilment: FulfilmentDeps;
  staff: StaffDeps;
  views: Views;
  csrf: Csrf;
  cookie: StaffCookie;
};

const nothingHere = (req: Request) => new AppError('NOT_FOUND', `Nothing is at ${req.method} ${req.path}.`);

/** The action in the path, or 404 (an unknown action is a missing route); then the role's permission. */
function actionOf(req: Request, res: Response): StaffAction {
  const parsed = staffActionParam.safeParse(req.params.action);
  if (!parsed.success) throw nothingHere(req);
  const staff = staffOf(res);
  const permission = `request.${parsed.data}` as Permission;
  if (!can(staff.role, permission))
    throw new AppError('FORBIDDEN', `The ${staff.role} role may not do this (${permission}).`);
  return parsed.data;
}

/** The reference in the path, however it was typed; an impossible one is simply not found. */
export function referenceOf(req: Request): string {
  const reference = normaliseReference(String(req.params.reference ?? ''));
  if (!reference) throw new AppError('REQUEST_NOT_FOUND', `Request ${req.params.reference} does not exist.`);
  return reference;
}

// Conflicts a form can run into: shown on the page itself, with the request as it is now.
export const pageConflicts = new Set(['ILLEGAL_TRANSITION', 'EXTENSION_REFUSED', 'REQUEST_CLOSED']);

// Before approval the DPO reads what the sources would do: what erasure deletes or keeps, what rectification changes.
const reviewable = new Set(['pending_review', 'awaiting_subject']);

async function pageReview(
  deps: FulfilmentDeps,
  view: StaffRequestView,
  staffId: string,
): Promise<PageReview> {
  const { request } = view;
  if (!reviewable.has(request.status)) return {};
  if (request.type === 'erase') return { erasure: await erasurePlan(deps, request.reference, staffId) };
  if (request.type === 'rectify' && request.corrections?.length)
    return { rectification: await rectificationReview(deps, request.reference, staffId) };
  return {};
}

export type RequestPageRenderer = (req: Request, res: Response, state?: PageState) => Promise<void>;

/** Renders /staff/requests/{reference} for the signed-in staff member (also after a failed form post). */
export function requestPageRenderer(
  deps: Pick<StaffRequestRouteDeps, 'requests' | 'fulfilment' | 'views' | 'csrf'>,
): RequestPageRenderer {
  return async (req, res, state = {}) => {
    const staff = staffOf(res);
    const view = await getStaffRequest(deps.requests, referenceOf(req), { staffId: staff.id, via: 'page' });
    const review = await pageReview(deps.fulfilment, view, staff.id);
    // Export bundles hold the subject's data: listed only to staff with export.view (never support).
    const exports =
      view.request.type === 'access' && can(staff.role, 'export.view')
        ? await listExports(deps.requests, view.request.reference)
        : undefined;
    const csrf = deps.csrf.issue(req, res, staff.sessionId);
    const context = requestPageContext(
      view,
      staff,
      { i18n: deps.requests.i18n, now: deps.requests.now(), csrf },
      state,
      review,
      exports,
    );
    res.type('html').send(deps.views.render('staff/request', context));
  };
}

/** The DPO's request page and the staff API for one request, plus the support desk's lookup. */
export function staffRequestRoutes(deps: StaffRequestRouteDeps): Router {
  const router = Router();
  const auth: RequestHandler = staffAuth(deps.staff, deps.cookie);
  const sessionCsrf = deps.csrf.protect(staffCsrfBinding);

  router.get(
    '/api/v1/staff/requests/:reference',
    auth,
    requirePermission('request.view'),
    async (req, res) => {
      res.json(
        toStaffRequestJson(
          await getStaffRequest(deps.requests, referenceOf(req), { staffId: staffOf(res).id, via: 'api' }),
        ),
      );
    },
  );

  router.post('/api/v1/staff/requests/:reference/:action', auth, async (req, res) => {
    const input = parseActionBody(actionOf(req, res), req.body);
    res.json(toStaffItem(await actOnRequest(deps.requests, staffOf(res), referenceOf(req), input)));
  });

  const renderPage = requestPageRenderer(deps);

  router.get('/staff/requests/:reference', auth, requirePermission('request.view'), async (req, res) => {
    const notice = doneNotice(req.query.done);
    await renderPage(req, res, notice ? { notice } : {});
  });

  router.post('/staff/requests/:reference/:action', auth, sessionCsrf, async (req, res) => {
    const action = actionOf(req, res);
    const form = formToBody((req.body ?? {}) as Record<string, unknown>);
    try {
      await actOnRequest(deps.requests, staffOf(res), referenceOf(req), parseActionBody(action, form));
      res.redirect(303, `/staff/requests/${encodeURIComponent(referenceOf(req))}?done=${action}`);
    } catch (error) {
      const known = toAppError(error);
      if (known?.code === 'STALE_VERSION') {
        res.status(409);
        return renderPage(req, res, { stale: true });
      }
      if (known?.code === 'VALIDATION_FAILED' && known.fieldErrors) {
        const errors = Object.fromEntries(known.fieldErrors.map((e) => [e.path, e.message]));
        res.status(400);
        return renderPage(req, res, { failed: { action, errors, values: form } });
      }
      if (known && pageConflicts.has(known.code)) {
        res.status(known.status);
        return renderPage(req, res, { problem: known.message });
      }
      throw error;
    }
  });

  router.use(supportRoutes({ ...deps, auth, sessionCsrf }));
  return router;
}
