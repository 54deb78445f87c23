import type { Command } from 'commander';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Db } from '../db/client.ts';
import { clearWebhookBackoff, readWebhookState, skipHeadEvent, webhookBacklog } from './webhooks-repo.ts';

export type OpenWebhooksDatabase = () => Promise<{ db: Db; close(): Promise<void> }>;

const OFF = 'webhooks have not run here: set WEBHOOK_URL and WEBHOOK_SECRET and start a worker';

/** `webhooks status | retry | skip`: what an operator needs when a receiver keeps refusing an event. */
export function registerWebhooksCommand(program: Command, open: OpenWebhooksDatabase): void {
  const webhooks = program
    .command('webhooks')
    .description('delivery of request events to WEBHOOK_URL')
    // A refusal here is a state of the system, not a usage mistake: no help text after it.
    .showHelpAfterError(false);
  const run = async (cmd: Command, work: (db: Db) => Promise<string>) => {
    const database = await open();
    let text: string;
    try {
      text = await work(database.db);
    } finally {
      await database.close();
    }
    const write = cmd.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
    write(`${text}\n`);
  };
  webhooks
    .command('status')
    .description('the cursor, the events waiting and the last failure, as JSON')
    .action(async function (this: Command) {
      await run(this, async (db) => {
        const state = await readWebhookState(db);
        if (!state) return JSON.stringify({ state: 'off', note: OFF });
        const backlog = await webhookBacklog(db);
        const { lastSeq, attempts, lastError, nextAttemptAt, lastDeliveredAt } = state;
        return JSON.stringify(
          {
            lastSeq,
            undelivered: backlog?.undelivered ?? 0,
            attempts,
            lastError,
            nextAttemptAt,
            lastDeliveredAt,
          },
          null,
          2,
        );
      });
    });
  webhooks
    .command('retry')
    .description('try the waiting event at the next look (about a second) instead of after its backoff')
    .action(async function (this: Command) {
      await run(this, async (db) => {
        if (!(await clearWebhookBackoff(db))) this.error(OFF, { exitCode: 1 });
        return 'backoff cleared: a worker tries again within seconds';
      });
    });
  webhooks
    .command('skip')
    .description('give up on the event at the head (the receiver will never take it); audited')
    .action(async function (this: Command) {
      await run(this, async (db) => {
        const head = await skipHeadEvent(db);
        if (head === 'off') this.error(OFF, { exitCode: 1 });
        if (head === 'none') this.error('no event is waiting: nothing to skip', { exitCode: 1 });
        if (head === 'busy')
          this.error('a worker is delivering right now: try again in a minute', { exitCode: 1 });
        await appendAuditEvent(db, {
          kind: 'webhooks.skipped',
          actor: 'system',
          data: { seq: head.seq, event: head.kind, requestId: head.request.id },
          at: new Date(),
        });
        return `skipped event ${head.seq} (${head.kind} of ${head.request.reference}); delivery goes on after it`;
      });
    });
}
