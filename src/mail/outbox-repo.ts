import { desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type NewOutboxRow, type OutboxRow, outbox } from '../db/schema.ts';

export async function insertOutbox(ex: Executor, row: NewOutboxRow): Promise<OutboxRow> {
  const [inserted] = await ex.insert(outbox).values(row).returning();
  return inserted!;
}

export async function findOutbox(ex: Executor, id: string): Promise<OutboxRow | undefined> {
  const [row] = await ex.select().from(outbox).where(eq(outbox.id, id));
  return row;
}

/** Counts the attempt before it is made, so a crash mid-send still shows in `attempts`. */
export async function countAttempt(ex: Executor, id: string): Promise<void> {
  await ex
    .update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1` })
    .where(eq(outbox.id, id));
}

export async function recordFailure(ex: Executor, id: string, error: string): Promise<void> {
  await ex
    .update(outbox)
    .set({ lastError: error.slice(0, 500) })
    .where(eq(outbox.id, id));
}

export async function markSent(
  ex: Executor,
  id: string,
  sent: { transport: string; messageId: string; at: Date },
): Promise<void> {
  await ex
    .update(outbox)
    .set({
      status: 'sent',
      transport: sent.transport,
      messageId: sent.messageId,
      sentAt: sent.at,
      lastError: null,
    })
    .where(eq(outbox.id, id));
}

export async function listRecentOutbox(ex: Executor, limit: number): Promise<OutboxRow[]> {
  return ex.select().from(outbox).orderBy(desc(outbox.createdAt), desc(outbox.id)).limit(limit);
}
