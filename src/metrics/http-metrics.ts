import type { Request, RequestHandler } from 'express';
import type { Metrics } from './metrics-registry.ts';

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route PATTERN (`/verify/:token`), never the URL: paths carry capability tokens, and raw URLs
 * would also let any scanner mint unbounded label sets. req.baseUrl is left out because it is URL text,
 * not a pattern (every router is mounted at /). Unrouted answers (404s, static assets, limits and
 * guards answering before a route) share one label.
 */
export function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : 'unmatched';
}

/** Observes every finished response in the latency histogram; mounted first so it times everything. */
export function httpMetrics(metrics: Pick<Metrics, 'httpDuration'>): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe(
        {
          method: knownMethods.has(req.method) ? req.method : 'OTHER',
          route: routeLabel(req),
          status: String(res.statusCode),
        },
        seconds,
      );
    });
    next();
  };
}
