import { asc, count, desc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import { type AuditEventRow, auditEvents } from '../db/schema.ts';

export type NewAuditEventRow = typeof auditEvents.$inferInsert;

/** A sealed event's place in the chain, as the sealer writes it. */
export type AuditSeal = { id: number; seq: number; prevHash: string; hash: string };

/**
 * Key of the transaction-scoped advisory lock that lets one sealer at a time extend the one global
 * chain: the ASCII bytes of "RDAUDIT1" read as a big-endian int8, so it cannot collide by accident
 * with small numeric keys other features might pick. Appends never take it.
 */
export const AUDIT_CHAIN_LOCK_KEY = 0x5244_4155_4449_5431n;

/** postgres.js returns an array of rows, PGlite an object with `rows`. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []) as Record<string, unknown>[];
}

/** True when this transaction now holds the sealing lock (until it ends); false when another does. */
export async function tryLockAuditChain(tx: Tx): Promise<boolean> {
  const key = sql.raw(AUDIT_CHAIN_LOCK_KEY.toString());
  const rows = rowsOf(await tx.execute(sql`select pg_try_advisory_xact_lock(${key}) as locked`));
  return rows[0]?.locked === true;
}

/** The last sealed event (highest seq), or undefined when nothing is sealed yet. */
export async function findAuditChainTip(ex: Executor): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await ex
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(isNotNull(auditEvents.seq))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  if (!row || row.seq === null || row.hash === null) return undefined;
  return { seq: row.seq, hash: row.hash };
}

/** Up to `limit` committed, unsealed events in id order, row-locked until the transaction ends. */
export async function lockUnsealedAuditEvents(tx: Tx, limit: number): Promise<AuditEventRow[]> {
  return tx
    .select()
    .from(auditEvents)
    .where(isNull(auditEvents.seq))
    .orderBy(asc(auditEvents.id))
    .limit(limit)
    .for('update');
}

/** Writes a batch of seals with one statement (an UPDATE joined to a VALUES list). */
export async function writeAuditSeals(tx: Tx, seals: AuditSeal[]): Promise<void> {
  if (seals.length === 0) return;
  const values = sql.join(
    seals.map((s) => sql`(${s.id}::bigint, ${s.seq}::bigint, ${s.prevHash}::text, ${s.hash}::text)`),
    sql`, `,
  );
  await tx.execute(sql`
    update audit_events
       set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
      from (values ${values}) as v(id, seq, prev_hash, hash)
     where audit_events.id = v.id`);
}

export async function countUnsealedAuditEvents(ex: Executor): Promise<number> {
  const [row] = await ex.select({ n: count() }).from(auditEvents).where(isNull(auditEvents.seq));
  return row?.n ?? 0;
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
 * Sealed events in chain (seq) order, one page at a time: keyset on seq, so each page is a range
 * scan of the unique seq index however deep it is. Unsealed events are not included.
 */
export async function* iterateSealedAuditEventPages(
  ex: Executor,
  pageSize: number,
): AsyncGenerator<AuditEventRow[]> {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError('pageSize must be a positive integer');
  // No lower bound on the first page: a row whose seq was set to 0 or below must be seen too.
  let afterSeq: number | undefined;
  for (;;) {
    const page = await ex
      .select()
      .from(auditEvents)
      .where(afterSeq === undefined ? isNotNull(auditEvents.seq) : gt(auditEvents.seq, afterSeq))
      .orderBy(asc(auditEvents.seq))
      .limit(pageSize);
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    afterSeq = page[page.length - 1]!.seq!;
  }
}
