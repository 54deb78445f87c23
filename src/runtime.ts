import type { Express } from 'express';
import { createApp } from './app.ts';
import { startAuditSealer } from './audit/audit-sealer.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { loadSourcesFile } from './fulfilment/sources-config.ts';
import type { SourcesFile } from './fulfilment/sources-schemas.ts';
import { createViews, type Views } from './http/views.ts';
import { createI18n, type I18n } from './i18n/i18n.ts';
import { createJobs, type Jobs, type JobsOptions } from './jobs/jobs.ts';
import { registerWorkers } from './jobs/workers.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMailTransport, type MailTransport } from './mail/mail-transport.ts';

export type Runtime = {
  config: Config;
  logger: Logger;
  database: Database;
  jobs: Jobs;
  views: Views;
  i18n: I18n;
  now: () => Date;
  transport: MailTransport;
  /** The data sources of SOURCES_FILE (none configured: an empty list). */
  sources: SourcesFile['sources'];
  app: Express;
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
  const sources = config.sourcesFile ? loadSourcesFile(config.sourcesFile).sources : [];
  const database =
    options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await migrateDatabase(database);
    const jobs = createJobs(database, logger, { supervise: options.worker, ...options.jobs });
    await jobs.start();
    const transport = createMailTransport(config.smtpUrl);
    const i18n = createI18n();
    const views = createViews({ orgName: config.orgName }, i18n);
    const now = options.now ?? (() => new Date());
    if (options.worker) {
      await registerWorkers({
        db: database.db,
        jobs,
        logger,
        transport,
        mailFrom: config.mailFrom,
        messageIdDomain: new URL(config.publicUrl).hostname,
        requests: { db: database.db, jobs, config, i18n, now },
      });
    }
    const app = createApp({
      config,
      database: options.appDatabase ?? database,
      jobs,
      logger,
      views,
      i18n,
      now,
    });
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
      app,
      async close() {
        await auditSealer?.stop();
        await jobs.stop(8000);
        transport.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
}
