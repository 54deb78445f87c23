import { type Request, type RequestHandler, Router } from 'express';
import { AppError } from '../http/app-error.ts';
import { normaliseReference } from '../requests/reference.ts';
import { toStaffItem } from '../requests/staff-item.ts';
import { requirePermission, staffOf } from '../staff/staff-auth.ts';
import type { FulfilmentDeps } from './fulfilment-deps.ts';
import { correctionDecisionsBody } from './review-schemas.ts';
import { decideCorrections, erasurePlan, rectificationReview } from './review-service.ts';

function referenceOf(req: Request): string {
  const reference = normaliseReference(String(req.params.reference ?? ''));
  if (!reference) throw new AppError('REQUEST_NOT_FOUND', `Request ${req.params.reference} does not exist.`);
  return reference;
}

/** Staff API for reviewing fulfilment before approval: erasure dry run and rectification diff. */
export function reviewRoutes(deps: { fulfilment: FulfilmentDeps; auth: RequestHandler }): Router {
  const router = Router();
  const base = '/api/v1/staff/requests/:reference';
  router.get(`${base}/erasure-plan`, deps.auth, requirePermission('request.view'), async (req, res) => {
    res.json(await erasurePlan(deps.fulfilment, referenceOf(req), staffOf(res).id));
  });
  router.get(`${base}/rectification`, deps.auth, requirePermission('request.view'), async (req, res) => {
    res.json(await rectificationReview(deps.fulfilment, referenceOf(req), staffOf(res).id));
  });
  router.put(`${base}/corrections`, deps.auth, requirePermission('request.approve'), async (req, res) => {
    const body = correctionDecisionsBody.parse(req.body ?? {});
    res.json(toStaffItem(await decideCorrections(deps.fulfilment, staffOf(res).id, referenceOf(req), body)));
  });
  return router;
}
