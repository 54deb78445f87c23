import { and, asc, eq, gt, isNotNull, isNull, lte, max, notInArray, or, sql } from 'drizzle-orm';
import type { Db, Executor } from '../db/client.ts';
import { auditEvents, requests, webhookState } from '../db/schema.ts';

// One endpoint (WEBHOOK_URL), so one row.
const STATE_ID = 'default';
const mine = eq(webhookState.id, STATE_ID);

/** Staff reading a request is audited, but it is not news for other systems. */
export const QUIET_KINDS = ['request.viewed', 'request.looked_up'];
const delivered = and(isNotNull(auditEvents.requestId), notInArray(auditEvents.kind, QUIET_KINDS));

/**
 * The first time webhooks are on, delivery starts at the chain's tip: a new endpoint gets what happens
 * from now on, not years of history in one burst.
 */
export async function ensureWebhookState(db: Db): Promise<void> {
  const [tip] = await db.select({ seq: max(auditEvents.seq) }).from(auditEvents);
  await db
    .insert(webhookState)
    .values({ id: STATE_ID, lastSeq: Number(tip?.seq ?? 0) })
    .onConflictDoNothing({ target: webhookState.id });
}

/** True when a sealed request event waits past the last delivered one (a read, no write: idle is cheap). */
export async function hasUndeliveredEvents(db: Db): Promise<boolean> {
  const rows = await db
    .select({ seq: auditEvents.seq })
    .from(auditEvents)
    .innerJoin(webhookState, mine)
    .where(and(gt(auditEvents.seq, webhookState.lastSeq), delivered))
    .limit(1);
  return rows.length > 0;
}

/** Takes the delivery lease if it is free and no backoff is running; the cursor and attempts, or undefined. */
export async function claimWebhookLease(db: Db, now: Date, leaseUntil: Date) {
  const [row] = await db
    .update(webhookState)
    .set({ leaseUntil })
    .where(
      and(
        mine,
        or(isNull(webhookState.leaseUntil), lte(webhookState.leaseUntil, now)),
        or(isNull(webhookState.nextAttemptAt), lte(webhookState.nextAttemptAt, now)),
      ),
    )
    .returning({ lastSeq: webhookState.lastSeq, attempts: webhookState.attempts });
  return row;
}

export type WebhookEvent = {
  eventId: number;
  seq: number;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
  request: { id: string; reference: string; type: string; law: string; status: string };
};

/** Sealed request events after `afterSeq`, in chain order, with their request's reference and status now. */
export async function undeliveredEvents(db: Db, afterSeq: number, limit: number): Promise<WebhookEvent[]> {
  const rows = await db
    .select({
      eventId: auditEvents.id,
      seq: sql<number>`${auditEvents.seq}`.mapWith(Number),
      kind: auditEvents.kind,
      actor: auditEvents.actor,
      data: auditEvents.data,
      at: auditEvents.at,
      request: {
        id: requests.id,
        reference: requests.reference,
        type: requests.type,
        law: requests.law,
        status: requests.status,
      },
    })
    .from(auditEvents)
    .innerJoin(requests, eq(requests.id, auditEvents.requestId))
    .where(and(gt(auditEvents.seq, afterSeq), delivered))
    .orderBy(asc(auditEvents.seq))
    .limit(limit);
  return rows;
}

/** One event delivered: the cursor moves past it and the lease is renewed. */
export async function markWebhookDelivered(db: Db, seq: number, now: Date, leaseUntil: Date): Promise<void> {
  await db
    .update(webhookState)
    .set({
      lastSeq: seq,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      lastDeliveredAt: now,
      leaseUntil,
    })
    .where(mine);
}

/** A delivery failed: the cursor stays, the next try waits until `nextAttemptAt`, the lease is free. */
export async function markWebhookFailed(
  db: Db,
  attempts: number,
  nextAttemptAt: Date,
  error: string,
): Promise<void> {
  await db
    .update(webhookState)
    .set({ attempts, nextAttemptAt, lastError: error, leaseUntil: null })
    .where(mine);
}

export async function releaseWebhookLease(db: Db): Promise<void> {
  await db.update(webhookState).set({ leaseUntil: null }).where(mine);
}

export async function readWebhookState(db: Db) {
  const [row] = await db.select().from(webhookState).where(mine);
  return row;
}

/** For /metrics: request events waiting for delivery, and failed tries of the one at the head. */
export async function webhookBacklog(
  db: Executor,
): Promise<{ undelivered: number; attempts: number } | undefined> {
  const [state] = await db.select().from(webhookState).where(mine);
  if (!state) return undefined;
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(and(gt(auditEvents.seq, state.lastSeq), delivered));
  return { undelivered: row?.n ?? 0, attempts: state.attempts };
}
