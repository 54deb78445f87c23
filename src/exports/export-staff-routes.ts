import { pipeline } from 'node:stream/promises';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../http/app-error.ts';
import { referenceOf } from '../requests/staff-request-routes.ts';
import { requirePermission, staffOf } from '../staff/staff-auth.ts';
import type { ExportDeps } from './exports-deps.ts';
import { listExports, openPreview, rebuildExport, releaseExport, revokeExport } from './exports-service.ts';

export const bundleIdOf = (req: Request) => {
  const parsed = z.uuid().safeParse(req.params.bundleId);
  if (!parsed.success) throw new AppError('NOT_FOUND', `This request has no export ${req.params.bundleId}.`);
  return parsed.data;
};

/** Streams the decrypted ZIP of one bundle to staff (the API and the request page's Preview link). */
export async function streamPreview(deps: ExportDeps, req: Request, res: Response): Promise<void> {
  const { bundle, request, body } = await openPreview(
    deps,
    staffOf(res).id,
    referenceOf(req),
    bundleIdOf(req),
  );
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', `attachment; filename="rightsdesk-${request.reference}-preview.zip"`);
  res.setHeader('Content-Length', String(bundle.size));
  res.setHeader('Cache-Control', 'no-store');
  // A tampered file fails mid-stream: the response is cut short (the error handler cannot answer any more).
  await pipeline(body, res).catch((error: unknown) =>
    deps.logger.warn({ bundleId: bundle.id, err: { name: (error as Error)?.name } }, 'preview failed'),
  );
}

/** Staff API for a request's export bundles (export.view: admin and DPO; never support). */
export function exportStaffRoutes(deps: { exports: ExportDeps; auth: RequestHandler }): Router {
  const router = Router();
  const base = '/api/v1/staff/requests/:reference/exports';
  const guard = [deps.auth, requirePermission('export.view')];

  router.get(base, ...guard, async (req, res) => {
    res.json(await listExports(deps.exports, referenceOf(req)));
  });
  router.post(`${base}/rebuild`, ...guard, async (req, res) => {
    res.status(202).json(await rebuildExport(deps.exports, staffOf(res).id, referenceOf(req)));
  });
  router.post(`${base}/:bundleId/release`, ...guard, async (req, res) => {
    res.json(await releaseExport(deps.exports, staffOf(res).id, referenceOf(req), bundleIdOf(req)));
  });
  router.post(`${base}/:bundleId/revoke`, ...guard, async (req, res) => {
    res.json(await revokeExport(deps.exports, staffOf(res).id, referenceOf(req), bundleIdOf(req)));
  });
  router.get(`${base}/:bundleId/preview`, ...guard, (req, res) => streamPreview(deps.exports, req, res));
  return router;
}
