import { type RequestHandler, Router } from 'express';
import type { RequestDeps } from './request-deps.ts';
import { createRequestBody } from './requests-schemas.ts';
import { submitRequest } from './requests-service.ts';

/** POST /api/v1/requests → 202 {reference, status}: the same shape whatever the email (no enumeration). */
export function requestApiRoutes(deps: {
  requests: RequestDeps;
  limits: { perIp: RequestHandler; perEmail: RequestHandler };
}): Router {
  const router = Router();
  router.post('/api/v1/requests', deps.limits.perIp, deps.limits.perEmail, async (req, res) => {
    const body = createRequestBody.parse(req.body ?? {});
    // A language Rightsdesk does not speak gets the organisation's: every later email must be readable.
    const locale = deps.requests.i18n.resolve(body.locale);
    const gpc = req.get('sec-gpc') === '1';
    const result = await submitRequest(deps.requests, body, { channel: 'api', locale, gpc });
    res.status(202).json(result);
  });
  return router;
}
