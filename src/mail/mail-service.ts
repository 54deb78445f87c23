import { randomUUID } from 'node:crypto';
import type { Db, Executor } from '../db/client.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Jobs } from '../jobs/jobs.ts';
import { type Logger, withoutEmails } from '../logger.ts';
import type { MailTransport } from './mail-transport.ts';
import {
  countAttempt,
  findOutbox,
  insertOutbox,
  listRecentOutbox,
  markSent,
  recordFailure,
} from './outbox-repo.ts';

export type MailMessage = { to: string; subject: string; text: string; html?: string; requestId?: string };

/**
 * Writes the message to the outbox and enqueues its delivery in the caller's transaction,
 * so a state change and the emails it triggers commit or roll back together.
 */
export async function queueMail(
  ex: Executor,
  jobs: Pick<Jobs, 'enqueue'>,
  message: MailMessage,
): Promise<OutboxRow> {
  // The id is made here so the row and its job go to the database together (one pipelined round trip).
  const id = randomUUID();
  const [row] = await Promise.all([
    insertOutbox(ex, {
      id,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
      requestId: message.requestId ?? null,
    }),
    jobs.enqueue(ex, 'mail.send', { outboxId: id }),
  ]);
  return row;
}

export type DeliveryDeps = {
  db: Db;
  transport: MailTransport;
  mailFrom: string;
  messageIdDomain: string;
  logger: Logger;
  now?: () => Date;
  /** Counts a failed send (the metrics counter of this process). */
  onSendFailure?: () => void;
};

/**
 * Runs from the mail.send job. Idempotent: an already-sent row is skipped, and the Message-ID is
 * derived from the outbox id so a receiver can recognise a resend after a crash between send and commit.
 */
export async function deliverOutbox(deps: DeliveryDeps, outboxId: string): Promise<'sent' | 'skipped'> {
  const row = await findOutbox(deps.db, outboxId);
  if (!row || row.status === 'sent') return 'skipped';
  await countAttempt(deps.db, row.id);
  const messageId = `<${row.id}@${deps.messageIdDomain}>`;
  try {
    await deps.transport.send({
      messageId,
      from: deps.mailFrom,
      to: row.to,
      subject: row.subject,
      text: row.text,
      html: row.html,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.onSendFailure?.();
    await recordFailure(deps.db, row.id, reason);
    // The reason stays whole on the outbox row for staff; the log gets it without the recipient's address.
    deps.logger.warn(
      { outboxId: row.id, err: { message: withoutEmails(reason) } },
      'mail delivery failed; will retry',
    );
    throw error;
  }
  await markSent(deps.db, row.id, {
    transport: deps.transport.name,
    messageId,
    at: (deps.now ?? (() => new Date()))(),
  });
  deps.logger.info({ outboxId: row.id, transport: deps.transport.name }, 'mail sent');
  return 'sent';
}

export function listMailbox(db: Db, limit = 100): Promise<OutboxRow[]> {
  return listRecentOutbox(db, limit);
}
