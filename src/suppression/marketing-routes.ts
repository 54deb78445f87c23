import { Router } from 'express';
import { requirePermission, type StaffCookie, staffAuth, staffIpAllowlist } from '../staff/staff-auth.ts';
import type { StaffDeps } from '../staff/staff-service.ts';
import { recipientsBody } from './suppression-schemas.ts';
import { checkRecipients, type SuppressionDeps } from './suppression-service.ts';

export type MarketingRouteDeps = {
  suppression: SuppressionDeps;
  staff: StaffDeps;
  cookie: StaffCookie;
  /** STAFF_ALLOWED_IPS: this is a staff API outside /api/v1/staff, so it applies the allowlist itself. */
  allowedIps: readonly string[];
};

/** POST /api/v1/marketing/recipients (Bearer): which addresses a marketing mailer may send to, with RFC 8058 headers. */
export function marketingRoutes(deps: MarketingRouteDeps): Router {
  const router = Router();
  router.post(
    '/api/v1/marketing/recipients',
    staffIpAllowlist(deps.allowedIps),
    staffAuth(deps.staff, deps.cookie),
    requirePermission('marketing.check'),
    async (req, res) => {
      const body = recipientsBody.parse(req.body ?? {});
      res.json(await checkRecipients(deps.suppression, body.emails));
    },
  );
  return router;
}
