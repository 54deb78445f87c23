import { runScheduledBackup, type ScheduledBackupDeps } from '../backup/backup-schedule.ts';
import type { Db } from '../db/client.ts';
import { runExportBuild } from '../exports/export-build.ts';
import type { ExportJobDeps } from '../exports/exports-deps.ts';
import { purgeExports } from '../exports/exports-purge.ts';
import type { FulfilmentDeps } from '../fulfilment/fulfilment-deps.ts';
import { sweepWaitingTasks } from '../fulfilment/fulfilment-sweep.ts';
import { purgeSeenSignatures } from '../fulfilment/http/seen-signatures-repo.ts';
import { runTask } from '../fulfilment/task-runner.ts';
import { purgeExpiredRateLimits } from '../http/rate-limit-store.ts';
import type { Logger } from '../logger.ts';
import { deliverOutbox } from '../mail/mail-service.ts';
import type { MailTransport } from '../mail/mail-transport.ts';
import { sendDeadlineDigest } from '../requests/deadline-digest.ts';
import type { RequestDeps } from '../requests/request-deps.ts';
import { sweepUnverified } from '../requests/unverified-sweep.ts';
import { runRecordsRetention } from '../retention/retention-service.ts';
import type { Jobs } from './jobs.ts';

export type WorkerDeps = {
  db: Db;
  jobs: Jobs;
  logger: Logger;
  transport: MailTransport;
  mailFrom: string;
  messageIdDomain: string;
  requests: RequestDeps;
  fulfilment: FulfilmentDeps;
  exports: ExportJobDeps;
  /** Counts failed email sends for /metrics. */
  onSendFailure?: () => void;
  /** The embedded database's backups (PGlite only: PostgreSQL is backed up with pg_dump). */
  backup?: ScheduledBackupDeps;
};

/** Subscribes this process to every queue. Any number of processes may do so: pg-boss claims with SKIP LOCKED. */
export async function registerWorkers(deps: WorkerDeps): Promise<void> {
  await deps.jobs.work('mail.send', async ({ outboxId }) => {
    await deliverOutbox(deps, outboxId);
  });
  await deps.jobs.work('requests.sweep', async () => {
    const result = await sweepUnverified(deps.requests);
    if (result.reminded || result.expired) deps.logger.info(result, 'unverified requests swept');
  });
  await deps.jobs.work('deadlines.digest', async () => {
    const result = await sendDeadlineDigest(deps.requests);
    deps.logger.info(result, 'deadline digest sent');
  });
  await deps.jobs.work('maintenance.purge', async () => {
    const purged = await purgeExpiredRateLimits(deps.db, deps.requests.now());
    if (purged) deps.logger.info({ purged }, 'expired rate-limit windows purged');
    await purgeSeenSignatures(deps.db, deps.requests.now());
  });
  await deps.jobs.work('fulfilment.task', async ({ taskId }, job) => {
    const outcome = await runTask(deps.fulfilment, taskId, job.retryCount, job.expireInSeconds);
    // Ids and outcomes only: what a source found is personal data and stays out of logs.
    deps.logger.info({ taskId, outcome, attempt: job.retryCount + 1 }, 'fulfilment task ran');
  });
  await deps.jobs.work('fulfilment.sweep', async () => {
    const result = await sweepWaitingTasks(deps.fulfilment);
    if (result.timedOut) deps.logger.warn(result, 'fulfilment tasks timed out waiting for a callback');
  });
  await deps.jobs.work('exports.build', async ({ requestId }, job) => {
    const outcome = await runExportBuild(deps.exports, requestId, job.retryCount);
    deps.logger.info({ requestId, outcome, attempt: job.retryCount + 1 }, 'export build ran');
  });
  await deps.jobs.work('exports.purge', async () => {
    const result = await purgeExports(deps.exports);
    if (result.purged || result.codes || result.orphans) deps.logger.info(result, 'expired exports purged');
  });
  await deps.jobs.work('records.retention', async () => {
    const result = await runRecordsRetention({
      db: deps.db,
      now: deps.requests.now,
      store: deps.exports.store,
      retentionMonths: deps.requests.config.recordsRetentionMonths,
      logger: deps.logger,
    });
    // Counts and the cutoff only: which requests were erased is in the audit trail, not the logs.
    deps.logger.info(result, 'records retention ran');
  });
  const { backup } = deps;
  // Runs in the server's own process: it holds the embedded database, so no other process can back it up.
  if (backup) await deps.jobs.work('backup.run', async () => void (await runScheduledBackup(backup)));
}
