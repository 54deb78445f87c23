import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import {
  clockEvents,
  collectedRecords,
  downloadCodes,
  exportBundles,
  fulfilmentTasks,
  outbox,
  requestNotes,
  requests,
  verificationTokens,
} from '../db/schema.ts';
import { closedStatuses } from '../requests/transitions.ts';

/** Closed before `cutoff` and still holding personal data. */
const expiredWhere = (cutoff: Date) =>
  and(
    isNull(requests.personalDataErasedAt),
    isNotNull(requests.closedAt),
    lt(requests.closedAt, cutoff),
    inArray(requests.status, [...closedStatuses]),
  );

export type RetentionCandidate = { id: string; closedAt: Date };

/** Closed requests that closed before `cutoff` and still hold personal data, oldest first. */
export async function findExpiredRecords(
  ex: Executor,
  cutoff: Date,
  limit: number,
): Promise<RetentionCandidate[]> {
  const rows = await ex
    .select({ id: requests.id, closedAt: requests.closedAt })
    .from(requests)
    .where(expiredWhere(cutoff))
    .orderBy(asc(requests.closedAt), asc(requests.id))
    .limit(limit);
  return rows.map((r) => ({ id: r.id, closedAt: r.closedAt! }));
}

export async function countExpiredRecords(ex: Executor, cutoff: Date): Promise<number> {
  const [row] = await ex.select({ n: sql<number>`count(*)::int` }).from(requests).where(expiredWhere(cutoff));
  return row?.n ?? 0;
}

/** Export files still in the store for these requests (normally purged days after delivery). */
export async function unpurgedBundleKeys(
  ex: Executor,
  ids: string[],
): Promise<{ id: string; key: string }[]> {
  const rows = await ex
    .select({ id: exportBundles.id, key: exportBundles.storageKey })
    .from(exportBundles)
    .where(and(inArray(exportBundles.requestId, ids), isNull(exportBundles.purgedAt)));
  return rows;
}

/**
 * Removes the personal data of one request, keeping what §7102 metrics and the accountability record
 * need (type, law, status, dates, clock events, task receipts' counts, audit events). Returns the store
 * keys of bundles that appeared meanwhile (to delete after commit), or undefined when another process
 * got there first (the row is re-checked under lock).
 */
export async function erasePersonalData(tx: Tx, id: string, now: Date): Promise<string[] | undefined> {
  const [locked] = await tx
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.id, id), isNull(requests.personalDataErasedAt)))
    .for('update');
  if (!locked) return undefined;
  const bundles = tx
    .select({ id: exportBundles.id })
    .from(exportBundles)
    .where(eq(exportBundles.requestId, id));
  await tx.delete(downloadCodes).where(inArray(downloadCodes.bundleId, bundles));
  // A bundle built since the caller deleted the files: its file goes after this commits.
  const late = await tx
    .update(exportBundles)
    .set({ purgedAt: now })
    .where(and(eq(exportBundles.requestId, id), isNull(exportBundles.purgedAt)))
    .returning({ key: exportBundles.storageKey });
  const tasks = tx
    .select({ id: fulfilmentTasks.id })
    .from(fulfilmentTasks)
    .where(eq(fulfilmentTasks.requestId, id));
  await tx.delete(collectedRecords).where(inArray(collectedRecords.taskId, tasks));
  await tx.delete(outbox).where(eq(outbox.requestId, id));
  await tx.delete(requestNotes).where(eq(requestNotes.requestId, id));
  await tx.delete(verificationTokens).where(eq(verificationTokens.requestId, id));
  // A source's error text could quote what it was sent, and an http source's own receipt is free-form;
  // the counts and the per-field outcomes (names, strategies, legal bases) are not personal.
  await tx
    .update(fulfilmentTasks)
    .set({ lastError: null, receipt: sql`${fulfilmentTasks.receipt} - 'external'` })
    .where(eq(fulfilmentTasks.requestId, id));
  // Staff's extension reason is free text the subject was sent; the event itself (a date) stays.
  await tx.update(clockEvents).set({ reason: null }).where(eq(clockEvents.requestId, id));
  await tx
    .update(requests)
    .set({
      subjectEmail: '',
      subjectName: null,
      details: null,
      corrections: null,
      infoRequestedMessage: null,
      subjectReply: null,
      personalDataErasedAt: now,
      updatedAt: now,
    })
    .where(eq(requests.id, id));
  return late.map((b) => b.key);
}
