import { asc, desc, eq, gt, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Executor, Tx } from '../db/client.ts';
import { type AuditEventRow, auditEvents } from '../db/schema.ts';

export type NewAuditEventRow = typeof auditEvents.$inferInsert;

/**
 * Key of the transaction-scoped advisory lock that serialises appends to the one global chain:
 * the ASCII bytes of "RDAUDIT1" read as a big-endian int8, so it cannot collide by accident
 * with small numeric keys other features might pick.
 */
export const AUDIT_CHAIN_LOCK_KEY = 0x5244_4155_4449_5431n;

/**
 * Runs fn in the caller's transaction when given one; given the database itself, opens a
 * transaction, because the lock, the read of the chain tip and the insert must share one.
 */
export async function inTransaction<T>(ex: Executor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (ex instanceof PgTransaction) return fn(ex as Tx);
  return ex.transaction(fn);
}

/** Blocks until no other transaction is appending; held until this transaction ends. */
export async function lockAuditChain(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(AUDIT_CHAIN_LOCK_KEY.toString())})`);
}

/** The chain tip. Ids come from a sequence taken under the lock, so the highest id is the tip. */
export async function findLastAuditHash(ex: Executor): Promise<string | undefined> {
  const [row] = await ex
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  return row?.hash;
}

export async function insertAuditEvent(ex: Executor, row: NewAuditEventRow): Promise<AuditEventRow> {
  const [inserted] = await ex.insert(auditEvents).values(row).returning();
  return inserted!;
}

export async function listAuditEventsByRequest(ex: Executor, requestId: string): Promise<AuditEventRow[]> {
  return ex
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.requestId, requestId))
    .orderBy(asc(auditEvents.id));
}

/**
 * All events in id order, one page at a time (keyset on id, so each page is an index range scan
 * however deep it is). Ids may have gaps: a rolled-back append still used up its sequence value.
 */
export async function* iterateAuditEventPages(
  ex: Executor,
  pageSize: number,
): AsyncGenerator<AuditEventRow[]> {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError('pageSize must be a positive integer');
  let afterId = 0;
  for (;;) {
    const page = await ex
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.id, afterId))
      .orderBy(asc(auditEvents.id))
      .limit(pageSize);
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    afterId = page[page.length - 1]!.id;
  }
}
