import { and, asc, eq, isNotNull, isNull, lte, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import {
  type ClockEventRow,
  clockEvents,
  type NewRequestRow,
  type RequestRow,
  requests,
} from '../db/schema.ts';

export type RequestPatch = Partial<Omit<NewRequestRow, 'id' | 'version' | 'reference'>>;

export async function insertRequest(ex: Executor, row: NewRequestRow): Promise<RequestRow> {
  const [inserted] = await ex.insert(requests).values(row).returning();
  return inserted!;
}

export async function findRequestById(ex: Executor, id: string): Promise<RequestRow | undefined> {
  const [row] = await ex.select().from(requests).where(eq(requests.id, id));
  return row;
}

export async function findRequestByReference(
  ex: Executor,
  reference: string,
): Promise<RequestRow | undefined> {
  const [row] = await ex.select().from(requests).where(eq(requests.reference, reference));
  return row;
}

/** Optimistic concurrency: updates only when `version` is still the one read; undefined otherwise. */
export async function updateRequestAtVersion(
  ex: Executor,
  id: string,
  version: number,
  patch: RequestPatch,
  now: Date,
): Promise<RequestRow | undefined> {
  const [row] = await ex
    .update(requests)
    .set({ ...patch, version: sql`${requests.version} + 1`, updatedAt: now })
    .where(and(eq(requests.id, id), eq(requests.version, version)))
    .returning();
  return row;
}

/** Clock columns are derived data: written without a version bump. */
export async function updateRequestClock(ex: Executor, id: string, patch: RequestPatch): Promise<void> {
  await ex.update(requests).set(patch).where(eq(requests.id, id));
}

type NewClockEvent = { requestId: string; kind: ClockEventRow['kind']; at: Date; reason?: string | null };

export async function insertClockEvent(ex: Executor, event: NewClockEvent): Promise<void> {
  await insertClockEvents(ex, [event]);
}

/** One statement for all of them, in array order (their ids, and so their order, follow it). */
export async function insertClockEvents(ex: Executor, events: readonly NewClockEvent[]): Promise<void> {
  await ex.insert(clockEvents).values(events.map((e) => ({ ...e, reason: e.reason ?? null })));
}

export async function listClockEvents(ex: Executor, requestId: string): Promise<ClockEventRow[]> {
  return ex
    .select()
    .from(clockEvents)
    .where(eq(clockEvents.requestId, requestId))
    .orderBy(asc(clockEvents.id));
}

export async function findUnverifiedToRemind(ex: Executor, receivedBefore: Date, limit: number) {
  return ex
    .select()
    .from(requests)
    .where(
      and(
        eq(requests.status, 'unverified'),
        isNull(requests.remindedAt),
        lte(requests.receivedAt, receivedBefore),
      ),
    )
    .limit(limit);
}

export async function findUnverifiedToExpire(ex: Executor, receivedBefore: Date, limit: number) {
  return ex
    .select()
    .from(requests)
    .where(and(eq(requests.status, 'unverified'), lte(requests.receivedAt, receivedBefore)))
    .limit(limit);
}

/** Unverified requests under a law with an acknowledgement deadline that nobody has acknowledged yet. */
export async function findUnacknowledged(ex: Executor, receivedBefore: Date, limit: number) {
  return ex
    .select()
    .from(requests)
    .where(
      and(
        eq(requests.status, 'unverified'),
        isNotNull(requests.acknowledgeBy),
        isNull(requests.acknowledgedAt),
        lte(requests.receivedAt, receivedBefore),
      ),
    )
    .limit(limit);
}

/** Sets a once-only timestamp (reminder sent, receipt confirmed); false when someone already did. */
export async function markOnce(
  ex: Executor,
  id: string,
  column: 'remindedAt' | 'acknowledgedAt',
  at: Date,
): Promise<boolean> {
  const rows = await ex
    .update(requests)
    .set({ [column]: at })
    .where(and(eq(requests.id, id), isNull(requests[column])))
    .returning({ id: requests.id });
  return rows.length === 1;
}

/** Open requests whose safe due date is on or before `lastDate` (YYYY-MM-DD), earliest first. */
export async function findOpenDueBy(ex: Executor, lastDate: string, limit: number): Promise<RequestRow[]> {
  return ex
    .select()
    .from(requests)
    .where(
      and(
        notInArray(requests.status, ['completed', 'denied', 'cancelled', 'expired']),
        lte(requests.safeDueBy, lastDate),
      ),
    )
    .orderBy(asc(requests.safeDueBy), asc(requests.id))
    .limit(limit);
}
