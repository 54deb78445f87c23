import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { openApiRoutes } from './api/openapi.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { downloadRoutes } from './exports/download-routes.ts';
import { exportPageRoutes } from './exports/export-page-routes.ts';
import { exportStaffRoutes } from './exports/export-staff-routes.ts';
import type { BundleStore } from './exports/exports-contract.ts';
import type { ExportDeps } from './exports/exports-deps.ts';
import { sourcesFor } from './fulfilment/connectors.ts';
import type { DemoNewsletter } from './fulfilment/demo/demo-newsletter.ts';
import { demoNewsletterRouter } from './fulfilment/demo/demo-newsletter-routes.ts';
import type { FulfilmentDeps } from './fulfilment/fulfilment-deps.ts';
import { callbackRoutes } from './fulfilment/http/callback-routes.ts';
import { reviewPageRoutes } from './fulfilment/review-page-routes.ts';
import { reviewRoutes } from './fulfilment/review-routes.ts';
import { healthRoutes } from './health/health-routes.ts';
import { AppError } from './http/app-error.ts';
import { createCsrf } from './http/csrf.ts';
import { errorHandler, notFound } from './http/error-handler.ts';
import { jsonBodiesOnly } from './http/json-only.ts';
import { refuseNul } from './http/no-nul.ts';
import { createRateLimit } from './http/rate-limit.ts';
import { requestLogging } from './http/request-logging.ts';
import type { Views } from './http/views.ts';
import type { I18n } from './i18n/i18n.ts';
import { localeMiddleware } from './i18n/locale-middleware.ts';
import type { Jobs } from './jobs/jobs.ts';
import type { Logger } from './logger.ts';
import { mailboxRoutes } from './mail/mailbox-routes.ts';
import { httpMetrics } from './metrics/http-metrics.ts';
import { createMetrics, type Metrics } from './metrics/metrics-registry.ts';
import { metricsRoutes } from './metrics/metrics-routes.ts';
import { queueRoutes } from './queue/queue-routes.ts';
import { reportRoutes } from './reports/reports-routes.ts';
import { requestApiRoutes } from './requests/api-routes.ts';
import { publicRoutes } from './requests/public-routes.ts';
import type { RequestDeps } from './requests/request-deps.ts';
import { staffRequestRoutes } from './requests/staff-request-routes.ts';
import { statusRoutes } from './requests/status-routes.ts';
import { staffAuth, staffCookie, staffIpAllowlist } from './staff/staff-auth.ts';
import { staffSessionRoutes } from './staff/staff-routes.ts';
import { marketingRoutes } from './suppression/marketing-routes.ts';
import { unsubscribeRoutes } from './suppression/unsubscribe-routes.ts';
import { hstsFor, noStore } from './transport/security-headers.ts';
import { securityTxtRoutes } from './transport/security-txt.ts';
import { verificationRoutes } from './verification/verification-routes.ts';

export type AppDeps = {
  config: Config;
  database: Database;
  jobs: Jobs;
  logger: Logger;
  views: Views;
  i18n: I18n;
  /** The clock every service reads; tests inject their own. */
  now: () => Date;
  fulfilment: Pick<FulfilmentDeps, 'connectors' | 'retryLimit' | 'attemptExpirySeconds'> & {
    secretFor(source: string): string | undefined;
  };
  /** Where export bundles are kept, encrypted (the download page and staff preview read them). */
  exportStore: BundleStore;
  /** Set when the demo sources run: the demo newsletter system served by this app. */
  demoNewsletter?: DemoNewsletter;
  /** The process's metrics (the worker counts email failures into it); made here when absent. */
  metrics?: Metrics;
};

const assetsDir = fileURLToPath(new URL('./assets', import.meta.url));

/** The Express app without listen(): the server and the tests share it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY decides req.ip, which every rate limit and IP allowlist reads (nothing trusted by default).
  app.set('trust proxy', deps.config.trustProxy);
  // Routers match paths case-insensitively, but what tells the API (Bearer only, JSON only) from pages
  // is its lower-case prefix: /API/… would reach API handlers with a cookie. Only /api/ is the API.
  app.use((req, _res, next) => {
    if (/^\/api\//i.test(req.path) && !req.path.startsWith('/api/'))
      return next(new AppError('NOT_FOUND', 'Nothing is here.'));
    next();
  });
  const metrics =
    deps.metrics ??
    createMetrics({
      db: deps.database.db,
      now: deps.now,
      logger: deps.logger,
      webhooks: Boolean(deps.config.webhook),
    });
  app.use(httpMetrics(metrics));
  app.use(requestLogging(deps.logger));
  app.use(
    helmet({
      // HSTS only makes sense when we are actually served over https.
      strictTransportSecurity: hstsFor(deps.config.publicUrl),
      // Pages use one stylesheet from /assets and no inline style, so styles are held to 'self' (helmet's
      // default also allows inline styles and any https origin, an injection's way to restyle a page).
      contentSecurityPolicy: {
        directives: {
          'form-action': ["'self'"],
          'style-src': ["'self'"],
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use('/assets', express.static(assetsDir, { maxAge: '1h', fallthrough: false }));
  app.use(noStore());
  const db = deps.database.db;
  const { connectors, secretFor } = deps.fulfilment;
  const requests: RequestDeps = {
    db,
    jobs: deps.jobs,
    config: deps.config,
    i18n: deps.i18n,
    now: deps.now,
    sourcesFor: (action) => sourcesFor(connectors, action),
  };
  const fulfilment: FulfilmentDeps = { ...requests, logger: deps.logger, ...deps.fulfilment };
  const exports: ExportDeps = { ...requests, logger: deps.logger, store: deps.exportStore };
  // Before any body parser: signatures cover the raw bytes of these bodies. Rate-limited per IP, as
  // each may be up to 20 MB.
  app.use(
    '/api/v1/callbacks',
    createRateLimit({
      db,
      name: 'callbacks-ip',
      windowMs: 60_000,
      limit: 300,
      now: deps.now,
      logger: deps.logger,
    }),
  );
  app.use(callbackRoutes({ fulfilment, secretFor }));
  if (deps.demoNewsletter) app.use(demoNewsletterRouter(deps.demoNewsletter));
  app.use('/api', jsonBodiesOnly());
  // Up to 1000 addresses of up to 254 characters: the marketing send check alone takes a larger body.
  app.use(
    '/api/v1/marketing/recipients',
    express.json({ limit: '320kb', type: ['application/json', 'application/*+json'] }),
  );
  app.use(express.json({ limit: '64kb', type: ['application/json', 'application/*+json'] }));
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));
  app.use(refuseNul());

  app.use(healthRoutes({ database: deps.database }));
  app.use(metricsRoutes({ metrics, config: deps.config }));
  app.use(securityTxtRoutes(deps.config.securityTxt, deps.config.publicUrl));
  app.use(openApiRoutes(deps.config.publicUrl));
  const secureCookies = deps.config.publicUrl.startsWith('https:');
  app.use(localeMiddleware(deps.i18n, secureCookies));
  const csrf = createCsrf({ secretKey: deps.config.secretKey, secureCookies });
  const limit = (
    name: string,
    windowMs: number,
    max: number,
    key?: (req: express.Request) => string | undefined,
  ) =>
    createRateLimit({
      db,
      name,
      windowMs,
      limit: max,
      now: deps.now,
      logger: deps.logger,
      // Remaining counts per email would reveal who filed recently (no enumeration).
      ...(key ? { key, headers: false } : {}),
    });
  const intakeLimits = {
    perIp: limit('intake-ip', 15 * 60_000, deps.config.intakeLimits.perIp),
    perEmail: limit('intake-email', 60 * 60_000, deps.config.intakeLimits.perEmail, (req) =>
      typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : undefined,
    ),
  };
  const linkLimit = limit('links-ip', 15 * 60_000, deps.config.linkLimitPerIp);
  app.use(publicRoutes({ requests, views: deps.views, csrf, limits: intakeLimits }));
  app.use(requestApiRoutes({ requests, limits: intakeLimits }));
  app.use(['/verify', '/api/v1/verifications', '/status', '/download'], (req, res, next) =>
    req.method === 'POST' ? linkLimit(req, res, next) : next(),
  );
  app.use(verificationRoutes({ requests, views: deps.views, csrf }));
  app.use(downloadRoutes({ exports, views: deps.views, csrf }));
  app.use(['/staff', '/api/v1/staff'], staffIpAllowlist(deps.config.staffAllowedIps));
  const staff = { db, secretKey: deps.config.secretKey, now: deps.now };
  app.use(
    staffSessionRoutes({
      staff,
      views: deps.views,
      csrf,
      cookie: staffCookie(secureCookies),
      loginLimit: limit('staff-login-ip', 15 * 60_000, 20),
    }),
  );
  app.use(queueRoutes({ requests, staff, views: deps.views, csrf, cookie: staffCookie(secureCookies) }));
  app.use(
    reviewPageRoutes({ fulfilment, staff, views: deps.views, csrf, cookie: staffCookie(secureCookies) }),
  );
  app.use(reviewRoutes({ fulfilment, auth: staffAuth(staff, staffCookie(secureCookies)) }));
  app.use(exportStaffRoutes({ exports, auth: staffAuth(staff, staffCookie(secureCookies)) }));
  app.use(
    exportPageRoutes({
      exports,
      fulfilment,
      staff,
      views: deps.views,
      csrf,
      cookie: staffCookie(secureCookies),
    }),
  );
  app.use(
    staffRequestRoutes({
      requests,
      fulfilment,
      staff,
      views: deps.views,
      csrf,
      cookie: staffCookie(secureCookies),
    }),
  );
  app.use(
    reportRoutes({
      reports: { db, now: deps.now, timeZone: deps.config.clock.orgTimeZone },
      staff,
      views: deps.views,
      cookie: staffCookie(secureCookies),
      lawTitle: (law) => deps.i18n.t('en', `law.${law}`),
    }),
  );
  app.use(statusRoutes({ requests, views: deps.views, csrf }));
  const marketingDeps = { suppression: requests, staff, cookie: staffCookie(secureCookies) };
  app.use(marketingRoutes({ ...marketingDeps, allowedIps: deps.config.staffAllowedIps }));
  // No CSRF on the one-click POST (mail providers post without cookies): the signed token is the authority.
  const unsubscribeLimit = limit('unsubscribe-ip', 15 * 60_000, 300);
  app.use(
    unsubscribeRoutes({ suppression: requests, views: deps.views, i18n: deps.i18n, limit: unsubscribeLimit }),
  );
  if (!deps.config.smtpUrl && deps.config.env !== 'production') {
    app.use(mailboxRoutes({ db: deps.database.db, views: deps.views }));
  }

  app.use(notFound());
  app.use(errorHandler(deps.views, deps.i18n));
  return app;
}
