import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { deliverOutbox } from '../mail/mail-service.ts';
import type { MailTransport } from '../mail/mail-transport.ts';
import type { Jobs } from './jobs.ts';

export type WorkerDeps = {
  db: Db;
  jobs: Jobs;
  logger: Logger;
  transport: MailTransport;
  mailFrom: string;
  messageIdDomain: string;
};

/** Subscribes this process to every queue. Any number of processes may do so: pg-boss claims with SKIP LOCKED. */
export async function registerWorkers(deps: WorkerDeps): Promise<void> {
  await deps.jobs.work('mail.send', async ({ outboxId }) => {
    await deliverOutbox(deps, outboxId);
  });
}
