import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { collectedRecords } from '../db/schema.ts';

// What the bundle builder reads of collected_records. Everything is paged by key on the
// (task_id, collection, id) index: a subject with a million rows is never read whole.

export const RECORDS_PAGE = 1000;

/**
 * Every page of a query paged by id, in order. The next page is already asked for while the caller
 * works on the current one, so the database and the ZIP writer work at the same time; at most two
 * pages are in memory.
 */
export async function* keysetPages<T extends { id: number }>(
  fetch: (afterId: number | undefined) => Promise<T[]>,
  pageSize = RECORDS_PAGE,
): AsyncGenerator<T[]> {
  let next = fetch(undefined);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    const more = rows.length >= pageSize;
    if (more) {
      next = fetch(rows.at(-1)!.id);
      // Handled here in case the caller stops early; otherwise the await above sees the error.
      next.catch(() => {});
    }
    yield rows;
    if (!more) return;
  }
}

export type CollectionCount = { taskId: string; collection: string; rows: number };

/** Rows per collection of each task, collections in name order. */
export async function countCollections(ex: Executor, taskIds: string[]): Promise<CollectionCount[]> {
  if (taskIds.length === 0) return [];
  const rows = await ex
    .select({
      taskId: collectedRecords.taskId,
      collection: collectedRecords.collection,
      rows: sql<number>`count(*)::int`,
    })
    .from(collectedRecords)
    .where(inArray(collectedRecords.taskId, taskIds))
    .groupBy(collectedRecords.taskId, collectedRecords.collection)
    .orderBy(asc(collectedRecords.taskId), asc(collectedRecords.collection));
  return rows.map((r) => ({ ...r, rows: Number(r.rows) }));
}

/** The union of the top-level keys of a collection's rows, sorted (the CSV header). */
export async function collectionKeys(ex: Executor, taskId: string, collection: string): Promise<string[]> {
  const rows = await ex
    .selectDistinct({ key: sql<string>`jsonb_object_keys(${collectedRecords.data})` })
    .from(collectedRecords)
    .where(
      and(
        eq(collectedRecords.taskId, taskId),
        eq(collectedRecords.collection, collection),
        sql`jsonb_typeof(${collectedRecords.data}) = 'object'`,
      ),
    );
  // Sorted here, by code point: the database's collation would make the order depend on the server.
  return rows.map((r) => r.key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One collection of one task, after `afterId` (keyset paging on the index (task_id, collection, id)). */
const pageOf = (taskId: string, collection: string, afterId: number | undefined) =>
  and(
    eq(collectedRecords.taskId, taskId),
    eq(collectedRecords.collection, collection),
    afterId === undefined ? undefined : gt(collectedRecords.id, afterId),
  );

export type TextRow = { id: number; json: string };

/** One page of one collection's rows as JSON text (as stored: no parse and re-serialise), in id order. */
export async function pageCollectionAsText(
  ex: Executor,
  taskId: string,
  collection: string,
  afterId: number | undefined,
  limit = RECORDS_PAGE,
): Promise<TextRow[]> {
  const rows = await ex
    .select({ id: collectedRecords.id, json: sql<string>`${collectedRecords.data}::text` })
    .from(collectedRecords)
    .where(pageOf(taskId, collection, afterId))
    .orderBy(asc(collectedRecords.id))
    .limit(limit);
  return rows.map((r) => ({ id: Number(r.id), json: String(r.json) }));
}

export type DataRow = { id: number; data: unknown };

/** One page of one collection's rows, parsed, in id order after `afterId`. */
export async function pageCollection(
  ex: Executor,
  taskId: string,
  collection: string,
  afterId: number | undefined,
  limit = RECORDS_PAGE,
): Promise<DataRow[]> {
  const rows = await ex
    .select({ id: collectedRecords.id, data: collectedRecords.data })
    .from(collectedRecords)
    .where(pageOf(taskId, collection, afterId))
    .orderBy(asc(collectedRecords.id))
    .limit(limit);
  return rows.map((r) => ({ id: Number(r.id), data: r.data }));
}
