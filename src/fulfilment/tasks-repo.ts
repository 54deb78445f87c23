import { and, asc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import {
  collectedRecords,
  type FulfilmentTaskRow,
  fulfilmentTasks,
  type RequestRow,
  requests,
} from '../db/schema.ts';
import type { FulfilmentAction, Receipt } from './connector.ts';

export async function insertTasks(
  ex: Executor,
  rows: { id: string; requestId: string; source: string; action: FulfilmentAction; now: Date }[],
): Promise<void> {
  if (rows.length === 0) return;
  await ex.insert(fulfilmentTasks).values(
    rows.map((r) => ({
      id: r.id,
      requestId: r.requestId,
      source: r.source,
      action: r.action,
      status: 'pending' as const,
      createdAt: r.now,
      updatedAt: r.now,
    })),
  );
}

export async function findTask(ex: Executor, id: string): Promise<FulfilmentTaskRow | undefined> {
  const [row] = await ex.select().from(fulfilmentTasks).where(eq(fulfilmentTasks.id, id));
  return row;
}

export async function listTasks(ex: Executor, requestId: string): Promise<FulfilmentTaskRow[]> {
  return ex
    .select()
    .from(fulfilmentTasks)
    .where(eq(fulfilmentTasks.requestId, requestId))
    .orderBy(asc(fulfilmentTasks.createdAt), asc(fulfilmentTasks.source));
}

/**
 * Claims a pending task for an attempt, or a running one whose attempt started before `staleBefore`
 * (its process died; pg-boss expired and retried the job). A task another attempt is running now is
 * not claimed: the same source is never called twice at once for one task.
 */
export async function startAttempt(
  ex: Executor,
  id: string,
  now: Date,
  staleBefore: Date,
): Promise<FulfilmentTaskRow | undefined> {
  const [row] = await ex
    .update(fulfilmentTasks)
    .set({
      status: 'running',
      attempts: sql`${fulfilmentTasks.attempts} + 1`,
      startedAt: now,
      updatedAt: now,
    })
    .where(
      and(
        eq(fulfilmentTasks.id, id),
        or(
          eq(fulfilmentTasks.status, 'pending'),
          and(eq(fulfilmentTasks.status, 'running'), lt(fulfilmentTasks.startedAt, staleBefore)),
        ),
      ),
    )
    .returning();
  return row;
}

type Settle =
  | { status: 'done'; receipt: Receipt }
  | { status: 'waiting' }
  | { status: 'failed'; error: string }
  | { status: 'pending'; error: string };

/** Moves a task on from `from`; false when someone else already moved it (a duplicate job or callback). */
export async function settleTask(
  ex: Executor,
  id: string,
  from: FulfilmentTaskRow['status'][],
  to: Settle,
  now: Date,
): Promise<boolean> {
  const done = to.status === 'done' || to.status === 'failed';
  const rows = await ex
    .update(fulfilmentTasks)
    .set({
      status: to.status,
      updatedAt: now,
      ...(to.status === 'done'
        ? { receipt: to.receipt as unknown as Record<string, unknown>, lastError: null }
        : {}),
      ...('error' in to ? { lastError: to.error } : {}),
      ...(done ? { finishedAt: now } : {}),
    })
    .where(and(eq(fulfilmentTasks.id, id), inArray(fulfilmentTasks.status, from)))
    .returning({ id: fulfilmentTasks.id });
  return rows.length === 1;
}

export async function findWaitingTask(
  ex: Executor,
  input: { reference: string; source: string; action: FulfilmentAction },
): Promise<FulfilmentTaskRow | undefined> {
  const [row] = await ex
    .select({ task: fulfilmentTasks })
    .from(fulfilmentTasks)
    .innerJoin(requests, eq(requests.id, fulfilmentTasks.requestId))
    .where(
      and(
        eq(requests.reference, input.reference),
        eq(fulfilmentTasks.source, input.source),
        eq(fulfilmentTasks.action, input.action),
        // running too: a fast source may call back before its 202 has been recorded as waiting.
        inArray(fulfilmentTasks.status, ['waiting', 'running']),
      ),
    );
  return row?.task;
}

export async function findWaitingSince(ex: Executor, before: Date, limit: number) {
  return ex
    .select()
    .from(fulfilmentTasks)
    .where(and(eq(fulfilmentTasks.status, 'waiting'), lt(fulfilmentTasks.updatedAt, before)))
    .orderBy(asc(fulfilmentTasks.updatedAt))
    .limit(limit);
}

/**
 * For a staff retry: failed tasks, and pending ones whose jobs gave up while the request was failed,
 * go back to pending; returns their ids. Done tasks keep their receipts; waiting ones keep waiting.
 */
export async function resetFailedTasks(ex: Executor, requestId: string, now: Date): Promise<string[]> {
  const rows = await ex
    .update(fulfilmentTasks)
    .set({ status: 'pending', attempts: 0, updatedAt: now, finishedAt: null })
    .where(
      and(eq(fulfilmentTasks.requestId, requestId), inArray(fulfilmentTasks.status, ['failed', 'pending'])),
    )
    .returning({ id: fulfilmentTasks.id });
  return rows.map((r) => r.id);
}

/**
 * Locks the request row for the rest of the transaction: two tasks finishing at once serialise here,
 * so exactly one of them sees "all done" and completes the request.
 */
export async function lockRequest(ex: Executor, id: string): Promise<RequestRow | undefined> {
  const [row] = await ex.select().from(requests).where(eq(requests.id, id)).for('update');
  return row;
}

export async function clearCollectedRecords(ex: Executor, taskId: string): Promise<void> {
  await ex.delete(collectedRecords).where(eq(collectedRecords.taskId, taskId));
}

export async function insertCollectedRecords(
  ex: Executor,
  taskId: string,
  collection: string,
  rows: Record<string, unknown>[],
): Promise<void> {
  // In slices, so a big page stays within the driver's parameter limit.
  for (let i = 0; i < rows.length; i += 1000) {
    const slice = rows.slice(i, i + 1000);
    await ex.insert(collectedRecords).values(slice.map((data) => ({ taskId, collection, data })));
  }
}

export async function countCollectedRecords(ex: Executor, taskId: string): Promise<Record<string, number>> {
  const rows = await ex
    .select({ collection: collectedRecords.collection, n: sql<number>`count(*)::int` })
    .from(collectedRecords)
    .where(eq(collectedRecords.taskId, taskId))
    .groupBy(collectedRecords.collection);
  return Object.fromEntries(rows.map((r) => [r.collection, Number(r.n)]));
}

/** Replaces what an access task collected, inside the caller's transaction (a callback's records). */
export async function replaceCollectedRecords(
  ex: Executor,
  taskId: string,
  records: Record<string, Record<string, unknown>[]>,
): Promise<void> {
  await clearCollectedRecords(ex, taskId);
  for (const [collection, rows] of Object.entries(records))
    await insertCollectedRecords(ex, taskId, collection, rows);
}
