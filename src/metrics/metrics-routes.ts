import { Router } from 'express';
import type { Config } from '../config.ts';
import { metricsAccess } from './metrics-access.ts';
import type { Metrics } from './metrics-registry.ts';

/** GET /metrics in the Prometheus text format; the database gauges are computed as it is scraped. */
export function metricsRoutes(deps: {
  metrics: Metrics;
  config: Pick<Config, 'env' | 'metricsToken' | 'staffAllowedIps' | 'trustProxy'>;
}): Router {
  const router = Router();
  router.get('/metrics', metricsAccess(deps.config), async (_req, res) => {
    const body = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).set('Cache-Control', 'no-store').send(body);
  });
  return router;
}
