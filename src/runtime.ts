import type { Express } from 'express';
import { type AppDeps, createApp } from './app.ts';
import { startAuditSealer } from './audit/audit-sealer.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { buildBundle } from './exports/bundle-builder.ts';
import { loadDataMap } from './exports/data-map.ts';
import type { ExportJobDeps } from './exports/exports-deps.ts';
import { createFileStore } from './exports/file-store.ts';
import { sourcesFor } from './fulfilment/connectors.ts';
import { createDemoNewsletter } from './fulfilment/demo/demo-newsletter.ts';
import type { FulfilmentDeps } from './fulfilment/fulfilment-deps.ts';
import { openSources, readSources } from './fulfilment/fulfilment-setup.ts';
import type { SourceConfig } from './fulfilment/sources-schemas.ts';
import { createViews, type Views } from './http/views.ts';
import { createI18n, type I18n } from './i18n/i18n.ts';
import { createJobs, type Jobs, type JobsOptions } from './jobs/jobs.ts';
import { queues } from './jobs/queues.ts';
import { registerWorkers } from './jobs/workers.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMailTransport, type MailTransport } from './mail/mail-transport.ts';
import { createMetrics } from './metrics/metrics-registry.ts';
import type { RequestDeps } from './requests/request-deps.ts';
import { startWebhooks } from './webhooks/webhooks-dispatcher.ts';

export type Runtime = {
  config: Config;
  logger: Logger;
  database: Database;
  jobs: Jobs;
  views: Views;
  i18n: I18n;
  now: () => Date;
  transport: MailTransport;
  /** The data sources of SOURCES_FILE, or the demo ones (none configured: an empty list). */
  sources: readonly SourceConfig[];
  /** What request services need (tests call services directly with it). */
  requests: RequestDeps;
  /** What the fulfilment runner needs: the request deps plus the connectors. */
  fulfilment: FulfilmentDeps;
  /** What export delivery needs: the encrypted bundle store, the builder and the build job's retries. */
  exports: ExportJobDeps;
  app: Express;
  /** What the app was made from (tests make variants of it). */
  appDeps: AppDeps;
  /**
   * Stops the audit sealer (after one last seal) and job handlers (waiting for running ones),
   * then closes mail and the database.
   */
  close(): Promise<void>;
};

export type RuntimeOptions = {
  /** Subscribe this process to the job queues. */
  worker: boolean;
  logger?: Logger;
  /** Use an already-open database (tests); otherwise opened from config. */
  database?: Database;
  jobs?: JobsOptions;
  /** Replace the app's view of the database (tests: a slow or failing ping). */
  appDatabase?: Database;
  /** The clock (tests move it). */
  now?: () => Date;
};

/** Everything a process needs, wired once: database (migrated), jobs, mail, views and the app. */
export async function createRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // A broken sources file stops start-up before anything else opens: fail fast, naming the path.
  const configured = readSources(config);
  const database =
    options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await migrateDatabase(database);
    const jobs = createJobs(database, logger, {
      supervise: options.worker,
      schedules: { 'backup.run': config.backup.schedule },
      ...options.jobs,
    });
    await jobs.start();
    const transport = createMailTransport(config.smtpUrl);
    const i18n = createI18n({ defaultLocale: config.orgLocale });
    // A broken DATA_MAP_FILE stops start-up naming the path, not the first export build.
    loadDataMap(config.dataMapFile, i18n);
    const views = createViews({ orgName: config.orgName }, i18n);
    const now = options.now ?? (() => new Date());
    const { sources, connectors, demoSecret, secretFor } = await openSources(config, configured, {
      db: database.db,
      now,
      logger,
      check: true,
    });
    const requests: RequestDeps = {
      db: database.db,
      jobs,
      config,
      i18n,
      now,
      sourcesFor: (action) => sourcesFor(connectors, action),
    };
    const fulfilment: FulfilmentDeps = {
      ...requests,
      connectors,
      logger,
      retryLimit: jobs.retryLimit('fulfilment.task'),
      attemptExpirySeconds: queues['fulfilment.task'].expireInSeconds,
    };
    const exports: ExportJobDeps = {
      ...requests,
      logger,
      store: createFileStore(config.dataDir, config.secretKey),
      build: buildBundle,
      retryLimit: jobs.retryLimit('exports.build'),
    };
    // The demo's newsletter system lives in this process: it answers our http connector and calls back.
    const demoNewsletter = demoSecret
      ? createDemoNewsletter({
          dataDir: config.dataDir,
          secret: demoSecret,
          now,
          publicUrl: config.publicUrl,
          logger,
        })
      : undefined;
    // One registry per process: the app serves it, the worker counts failed sends into it.
    const metrics = createMetrics({ db: database.db, now, logger, webhooks: Boolean(config.webhook) });
    if (options.worker) {
      await registerWorkers({
        onSendFailure: () => metrics.emailSendFailures.inc(),
        db: database.db,
        jobs,
        logger,
        transport,
        mailFrom: config.mailFrom,
        messageIdDomain: new URL(config.publicUrl).hostname,
        requests,
        fulfilment,
        exports,
        ...(database.kind === 'pglite'
          ? { backup: { database, secretKey: config.secretKey, now, logger, ...config.backup } }
          : {}),
      });
    }
    const appDeps: AppDeps = {
      config,
      database: options.appDatabase ?? database,
      jobs,
      logger,
      views,
      i18n,
      now,
      fulfilment: {
        connectors,
        retryLimit: fulfilment.retryLimit,
        attemptExpirySeconds: fulfilment.attemptExpirySeconds,
        secretFor,
      },
      exportStore: exports.store,
      metrics,
      ...(demoNewsletter ? { demoNewsletter } : {}),
    };
    const app = createApp(appDeps);
    // Delivers sealed request events to WEBHOOK_URL (worker processes only; one at a time by lease).
    // Started before the sealer: if it cannot start, nothing is left running against a closed database.
    const webhooks =
      options.worker && config.webhook
        ? await startWebhooks({ db: database.db, now, logger, settings: config.webhook })
        : undefined;
    // Seals appended audit events into the hash chain about once a second (worker processes only).
    const auditSealer = options.worker ? startAuditSealer(database.db, logger) : undefined;
    return {
      config,
      logger,
      database,
      jobs,
      views,
      i18n,
      now,
      transport,
      sources,
      requests,
      fulfilment,
      exports,
      appDeps,
      app,
      async close() {
        await webhooks?.stop();
        await auditSealer?.stop();
        await jobs.stop(8000);
        await demoNewsletter?.close();
        await connectors.close();
        transport.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
}
