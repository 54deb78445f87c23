/*
 * Every route the app registers, in the fuzz file that fuzzes it. The endpoint modules build one spec per
 * route of their group (typed `Record<route, spec>`, so a route without a spec does not compile), and
 * fuzz-coverage.test.ts fails when the router has a route that is in no group: a new route must be fuzzed.
 */

export const publicApiRoutes = [
  'POST /api/v1/requests',
  'POST /api/v1/verifications',
  'POST /api/v1/verifications/resend',
  'POST /api/v1/staff/login',
  'POST /api/v1/staff/logout',
  'POST /api/v1/marketing/recipients',
  'POST /api/v1/callbacks/:source',
  'POST /demo/newsletter/hook',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/openapi.json',
  'GET /.well-known/security.txt',
  'GET /dev/mailbox.json',
  'GET /dev/mailbox',
] as const;

export const staffApiRoutes = [
  'GET /api/v1/staff/requests/counts',
  'GET /api/v1/staff/requests',
  'GET /api/v1/staff/requests/:reference',
  'POST /api/v1/staff/requests/:reference/:action',
  'GET /api/v1/staff/requests/:reference/erasure-plan',
  'GET /api/v1/staff/requests/:reference/rectification',
  'PUT /api/v1/staff/requests/:reference/corrections',
  'GET /api/v1/staff/requests/:reference/exports',
  'POST /api/v1/staff/requests/:reference/exports/rebuild',
  'POST /api/v1/staff/requests/:reference/exports/:bundleId/release',
  'POST /api/v1/staff/requests/:reference/exports/:bundleId/revoke',
  'GET /api/v1/staff/requests/:reference/exports/:bundleId/preview',
  'GET /api/v1/staff/support',
  'GET /api/v1/staff/reports/metrics',
  'GET /api/v1/staff/dashboard',
] as const;

export const publicFormRoutes = [
  'GET /',
  'POST /requests',
  'GET /requests/received',
  'GET /verify/:token',
  'POST /verify/resend',
  'POST /verify/:token',
  'GET /status/:token',
  'GET /status/:token/cancel',
  'POST /status/:token/resend',
  'POST /status/:token/cancel',
  'POST /status/:token/reply',
  'GET /download/:token',
  'POST /download/:token/code',
  'POST /download/:token/copy',
  'POST /download/:token',
  'GET /unsubscribe/:token',
  'POST /unsubscribe/:token',
  'GET /staff/login',
  'POST /staff/login',
] as const;

export const staffFormRoutes = [
  'GET /staff',
  'POST /staff/queue/bulk',
  'GET /staff/requests/:reference',
  'POST /staff/requests/:reference/:action',
  'POST /staff/requests/:reference/corrections',
  'GET /staff/requests/:reference/exports/:bundleId/preview',
  'POST /staff/requests/:reference/exports/rebuild',
  'POST /staff/requests/:reference/exports/:bundleId/release',
  'POST /staff/requests/:reference/exports/:bundleId/revoke',
  'GET /staff/support',
  'POST /staff/support/:reference/note',
  'POST /staff/logout',
  'GET /staff/reports',
  'GET /staff/reports/metrics.csv',
  'GET /staff/dashboard',
] as const;

export type PublicApiRoute = (typeof publicApiRoutes)[number];
export type StaffApiRoute = (typeof staffApiRoutes)[number];
export type PublicFormRoute = (typeof publicFormRoutes)[number];
export type StaffFormRoute = (typeof staffFormRoutes)[number];

export const fuzzedRoutes: readonly string[] = [
  ...publicApiRoutes,
  ...staffApiRoutes,
  ...publicFormRoutes,
  ...staffFormRoutes,
];

/**
 * The state-changing routes that take a browser form: each must refuse a post without the form's
 * CSRF token. Not here: POST /unsubscribe/:token (RFC 8058 one-click: mail providers post without
 * cookies; the signed token is the authority) and the JSON API (no cookie authenticates it).
 */
export const csrfFormRoutes: readonly string[] = [
  ...publicFormRoutes.filter((r) => r.startsWith('POST ') && r !== 'POST /unsubscribe/:token'),
  ...staffFormRoutes.filter((r) => r.startsWith('POST ')),
];

type Layer = {
  /** True when the layer is mounted at `/` (router v2). */
  slash?: boolean;
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
};

/** `METHOD /path` of every route on an Express 5 app, nested routers included (all mounted at /). */
export function registeredRoutes(app: { router: { stack: Layer[] } }): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const method of Object.keys(layer.route.methods)) {
            if (method !== '_all') found.push(`${method.toUpperCase()} ${path}`);
          }
        }
      } else if (layer.handle?.stack) {
        // A router under a prefix would need the prefix added to its paths: none is, yet.
        if (!layer.slash) throw new Error('a router mounted under a path prefix: teach registeredRoutes');
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack);
  return found;
}
