import { type Request, type Response, Router } from 'express';
import { AppError } from '../http/app-error.ts';
import type { Csrf } from '../http/csrf.ts';
import type { Views } from '../http/views.ts';
import type { RequestDeps } from '../requests/request-deps.ts';
import {
  requirePermission,
  type StaffCookie,
  staffAuth,
  staffCsrfBinding,
  staffOf,
} from '../staff/staff-auth.ts';
import type { StaffDeps } from '../staff/staff-service.ts';
import { type BulkResult, runBulkAction } from './queue-bulk.ts';
import { bulkForm, parseQueueQuery, type QueueQuery, queueQueryFrom } from './queue-schemas.ts';
import { listQueue, loadQueueView, queueCounts } from './queue-service.ts';
import { queuePageModel } from './queue-view.ts';

export type QueueRouteDeps = {
  requests: RequestDeps;
  staff: StaffDeps;
  views: Views;
  csrf: Csrf;
  cookie: StaffCookie;
};

/** The DPO's queue: the JSON list and counts (Bearer or cookie) and the /staff page with bulk actions. */
export function queueRoutes(deps: QueueRouteDeps): Router {
  const router = Router();
  const auth = staffAuth(deps.staff, deps.cookie);
  const canView = requirePermission('queue.view');

  const renderQueue = async (
    req: Request,
    res: Response,
    query: QueueQuery,
    extra: { result?: BulkResult; notice?: string } = {},
  ) => {
    const staff = staffOf(res);
    const view = await loadQueueView(deps.requests, staff, query);
    const csrf = deps.csrf.issue(req, res, staff.sessionId);
    const model = queuePageModel(view, {
      staff,
      query,
      csrf,
      i18n: deps.requests.i18n,
      now: deps.requests.now(),
      ...extra,
    });
    res.type('html').send(deps.views.render('staff/home', model));
  };

  router.get('/api/v1/staff/requests/counts', auth, canView, async (_req, res) => {
    res.json(await queueCounts(deps.requests));
  });

  router.get('/api/v1/staff/requests', auth, canView, async (req, res) => {
    res.json(await listQueue(deps.requests, staffOf(res), parseQueueQuery(req.query)));
  });

  router.get('/staff', auth, canView, async (req, res) => {
    await renderQueue(req, res, parseQueueQuery(req.query));
  });

  router.post('/staff/queue/bulk', auth, deps.csrf.protect(staffCsrfBinding), canView, async (req, res) => {
    const form = bulkForm.parse(req.body ?? {});
    const query = queueQueryFrom(form.filters);
    try {
      const result = await runBulkAction(deps.requests, staffOf(res), {
        action: form.action,
        items: form.selected,
      });
      await renderQueue(req, res, query, { result });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'VALIDATION_FAILED')) throw error;
      await renderQueue(req, res.status(400), query, { notice: error.message });
    }
  });
  return router;
}
