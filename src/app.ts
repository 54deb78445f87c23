import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { healthRoutes } from './health/health-routes.ts';
import { errorHandler, notFound } from './http/error-handler.ts';
import { requestLogging } from './http/request-logging.ts';
import type { Views } from './http/views.ts';
import type { Jobs } from './jobs/jobs.ts';
import type { Logger } from './logger.ts';
import { mailboxRoutes } from './mail/mailbox-routes.ts';

export type AppDeps = {
  config: Config;
  database: Database;
  jobs: Jobs;
  logger: Logger;
  views: Views;
};

const assetsDir = fileURLToPath(new URL('./assets', import.meta.url));

/** The Express app without listen(): the server and the tests share it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestLogging(deps.logger));
  app.use(
    helmet({
      // HSTS only makes sense when we are actually served over https.
      strictTransportSecurity: deps.config.publicUrl.startsWith('https:'),
      contentSecurityPolicy: { directives: { 'form-action': ["'self'"], 'upgrade-insecure-requests': null } },
    }),
  );
  app.use('/assets', express.static(assetsDir, { maxAge: '1h', fallthrough: false }));
  app.use(express.json({ limit: '100kb', type: ['application/json', 'application/*+json'] }));
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));

  app.use(healthRoutes({ database: deps.database }));
  if (!deps.config.smtpUrl && deps.config.env !== 'production') {
    app.use(mailboxRoutes({ db: deps.database.db, views: deps.views }));
  }

  app.use(notFound());
  app.use(errorHandler(deps.views));
  return app;
}
