import { and, asc, eq, gt, isNotNull, isNull, lte, max, notInArray, or, sql } from 'drizzle-orm';
import type { Db, Executor } from '../db/client.ts';
import { auditEvents, requests, webhookState } from '../db/schema.ts';

// One endpoint (WEBHOOK_URL), so one row.
const STATE_ID = 'default';
const mine = eq(webhookState.id, STATE_ID);
// Lease times are the database's, so workers on hosts whose clocks differ still agree.
const LEASE = sql`now() + interval '60 seconds'`;

/** Staff reading a request or previewing its bundle is audited, but it is not news for other systems. */
const QUIET_KINDS = ['request.viewed', 'request.looked_up', 'export.previewed'];
const delivered = and(isNotNull(auditEvents.requestId), notInArray(auditEvents.kind, QUIET_KINDS));

/**
 * Delivery starts at the chain's tip for a new endpoint (the first start, or a changed WEBHOOK_URL): it
 * gets what happens from now on, not years of history or another endpoint's backlog. The same endpoint
 * again (after a restart, or webhooks off for a while) resumes where it stopped: nothing is missed.
 */
export async function ensureWebhookState(db: Db, endpoint: string): Promise<'new' | 'resumed' | 'reset'> {
  const [tip] = await db.select({ seq: max(auditEvents.seq) }).from(auditEvents);
  const fresh = {
    endpoint,
    lastSeq: Number(tip?.seq ?? 0),
    leaseToken: null,
    leaseUntil: null,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
  };
  const inserted = await db
    .insert(webhookState)
    .values({ id: STATE_ID, ...fresh })
    .onConflictDoNothing({ target: webhookState.id })
    .returning({ id: webhookState.id });
  if (inserted.length > 0) return 'new';
  const reset = await db
    .update(webhookState)
    .set(fresh)
    .where(and(mine, sql`${webhookState.endpoint} <> ${endpoint}`))
    .returning({ id: webhookState.id });
  return reset.length > 0 ? 'reset' : 'resumed';
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

/**
 * Takes the delivery lease under `token` if it is free and no backoff is running (`now` is the app's
 * clock, which set the backoff). The cursor and the failed attempts so far, or undefined.
 */
export async function claimWebhookLease(db: Db, token: string, now: Date) {
  const [row] = await db
    .update(webhookState)
    .set({ leaseToken: token, leaseUntil: LEASE })
    .where(
      and(
        mine,
        or(isNull(webhookState.leaseUntil), lte(webhookState.leaseUntil, sql`now()`)),
        or(isNull(webhookState.nextAttemptAt), lte(webhookState.nextAttemptAt, now)),
      ),
    )
    .returning({ lastSeq: webhookState.lastSeq, attempts: webhookState.attempts });
  return row;
}

export type WebhookEvent = {
  eventId: number;
  seq: number;
  hash: string;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
  request: { id: string; reference: string; type: string; law: string; status: string };
};

/** Sealed request events after `afterSeq`, in chain order, with their request's reference and status now. */
export async function undeliveredEvents(db: Db, afterSeq: number, limit: number): Promise<WebhookEvent[]> {
  return db
    .select({
      eventId: auditEvents.id,
      seq: sql<number>`${auditEvents.seq}`.mapWith(Number),
      hash: sql<string>`${auditEvents.hash}`,
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
}

// Every write after the claim holds only while this run still owns the lease: a worker that stalled
// past its lease finds 0 rows and stops, instead of moving another worker's cursor or freeing its lease.
const held = (token: string) => and(mine, eq(webhookState.leaseToken, token));

/** One event delivered: the cursor moves from `fromSeq` past it and the lease is renewed. False: lease lost. */
export async function markWebhookDelivered(
  db: Db,
  token: string,
  fromSeq: number,
  seq: number,
  at: Date,
): Promise<boolean> {
  const rows = await db
    .update(webhookState)
    .set({
      lastSeq: seq,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      lastDeliveredAt: at,
      leaseUntil: LEASE,
    })
    .where(and(held(token), eq(webhookState.lastSeq, fromSeq)))
    .returning({ id: webhookState.id });
  return rows.length > 0;
}

/** A delivery failed: the cursor stays, the next try waits until `nextAttemptAt`, the lease is freed. */
export async function markWebhookFailed(
  db: Db,
  token: string,
  attempts: number,
  nextAttemptAt: Date,
  error: string,
): Promise<void> {
  await db
    .update(webhookState)
    .set({ attempts, nextAttemptAt, lastError: error, leaseToken: null, leaseUntil: null })
    .where(held(token));
}

export async function releaseWebhookLease(db: Db, token: string): Promise<void> {
  await db.update(webhookState).set({ leaseToken: null, leaseUntil: null }).where(held(token));
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

/** Lets the next look try the head event at once instead of waiting out its backoff. */
export async function clearWebhookBackoff(db: Db): Promise<boolean> {
  const rows = await db
    .update(webhookState)
    .set({ nextAttemptAt: null })
    .where(mine)
    .returning({ id: webhookState.id });
  return rows.length > 0;
}

/**
 * Moves the cursor past the head event, the one every later event waits behind (an operator's call
 * when a receiver will never take it). Only while no worker holds the lease; the head, or why not.
 */
export async function skipHeadEvent(db: Db): Promise<WebhookEvent | 'none' | 'busy' | 'off'> {
  const state = await readWebhookState(db);
  if (!state) return 'off';
  const [head] = await undeliveredEvents(db, state.lastSeq, 1);
  if (!head) return 'none';
  const moved = await db
    .update(webhookState)
    .set({ lastSeq: head.seq, attempts: 0, nextAttemptAt: null, lastError: null })
    .where(
      and(
        mine,
        eq(webhookState.lastSeq, state.lastSeq),
        or(isNull(webhookState.leaseUntil), lte(webhookState.leaseUntil, sql`now()`)),
      ),
    )
    .returning({ id: webhookState.id });
  return moved.length > 0 ? head : 'busy';
}
