import { type Request, type Response, Router } from 'express';
import type { FulfilmentDeps } from '../fulfilment/fulfilment-deps.ts';
import type { Csrf } from '../http/csrf.ts';
import { toAppError } from '../http/error-handler.ts';
import type { Views } from '../http/views.ts';
import { pageConflicts, referenceOf, requestPageRenderer } from '../requests/staff-request-routes.ts';
import {
  requirePermission,
  type StaffCookie,
  staffAuth,
  staffCsrfBinding,
  staffOf,
} from '../staff/staff-auth.ts';
import type { StaffDeps } from '../staff/staff-service.ts';
import { bundleIdOf, streamPreview } from './export-staff-routes.ts';
import type { ExportDeps } from './exports-deps.ts';
import { rebuildExport, releaseExport, revokeExport } from './exports-service.ts';

export type ExportPageRouteDeps = {
  exports: ExportDeps;
  /** The request page is re-rendered after a refused form. */
  fulfilment: FulfilmentDeps;
  staff: StaffDeps;
  views: Views;
  csrf: Csrf;
  cookie: StaffCookie;
};

// What the export forms can run into besides the page's own conflicts: shown on the page, not as an error page.
const exportConflicts = new Set([...pageConflicts, 'CONFLICT', 'EXPORT_GONE', 'NOT_FOUND']);

/**
 * The export bundle section of the DPO's request page: the Preview link (the decrypted ZIP) and the
 * Release, Revoke and Rebuild forms. Session-bound CSRF, `export.view` (never support); mount it before
 * staffRequestRoutes.
 */
export function exportPageRoutes(deps: ExportPageRouteDeps): Router {
  const router = Router();
  const auth = staffAuth(deps.staff, deps.cookie);
  const sessionCsrf = deps.csrf.protect(staffCsrfBinding);
  const renderPage = requestPageRenderer({ ...deps, requests: deps.fulfilment });
  const base = '/staff/requests/:reference/exports';

  /** Runs one form's action: 303 back to the page with its notice, or the page with the problem. */
  const form =
    (done: string, act: (req: Request, staffId: string, reference: string) => Promise<unknown>) =>
    async (req: Request, res: Response) => {
      const reference = referenceOf(req);
      try {
        await act(req, staffOf(res).id, reference);
        res.redirect(303, `/staff/requests/${encodeURIComponent(reference)}?done=${done}#exports`);
      } catch (error) {
        const known = toAppError(error);
        if (known && exportConflicts.has(known.code)) {
          res.status(known.status);
          return renderPage(req, res, { problem: known.message });
        }
        throw error;
      }
    };
  const guard = [auth, sessionCsrf, requirePermission('export.view')];

  router.get(`${base}/:bundleId/preview`, auth, requirePermission('export.view'), (req, res) =>
    streamPreview(deps.exports, req, res),
  );
  router.post(
    `${base}/rebuild`,
    ...guard,
    form('export-rebuild', (_req, staffId, reference) => rebuildExport(deps.exports, staffId, reference)),
  );
  router.post(
    `${base}/:bundleId/release`,
    ...guard,
    form('export-release', (req, staffId, reference) =>
      releaseExport(deps.exports, staffId, reference, bundleIdOf(req)),
    ),
  );
  router.post(
    `${base}/:bundleId/revoke`,
    ...guard,
    form('export-revoke', (req, staffId, reference) =>
      revokeExport(deps.exports, staffId, reference, bundleIdOf(req)),
    ),
  );
  return router;
}
