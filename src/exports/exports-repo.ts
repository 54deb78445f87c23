import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type DownloadCodeRow, downloadCodes, type ExportBundleRow, exportBundles } from '../db/schema.ts';

export type NewBundle = typeof exportBundles.$inferInsert;

export async function insertBundle(ex: Executor, row: NewBundle): Promise<ExportBundleRow> {
  const [inserted] = await ex.insert(exportBundles).values(row).returning();
  return inserted!;
}

export async function findBundle(ex: Executor, id: string): Promise<ExportBundleRow | undefined> {
  const [row] = await ex.select().from(exportBundles).where(eq(exportBundles.id, id));
  return row;
}

export async function listBundles(ex: Executor, requestId: string): Promise<ExportBundleRow[]> {
  return ex
    .select()
    .from(exportBundles)
    .where(eq(exportBundles.requestId, requestId))
    .orderBy(asc(exportBundles.createdAt), asc(exportBundles.id));
}

/** The newest bundle of a request that is neither revoked, purged nor expired (released or awaiting review). */
export async function findLiveBundle(
  ex: Executor,
  requestId: string,
  now: Date,
): Promise<ExportBundleRow | undefined> {
  const [row] = await ex
    .select()
    .from(exportBundles)
    .where(
      and(
        eq(exportBundles.requestId, requestId),
        isNull(exportBundles.revokedAt),
        isNull(exportBundles.purgedAt),
        gt(exportBundles.expiresAt, now),
      ),
    )
    .orderBy(desc(exportBundles.createdAt))
    .limit(1);
  return row;
}

/** Releases a bundle awaiting review, with a fresh expiry; undefined when it is not awaiting release. */
export async function markReleased(
  ex: Executor,
  id: string,
  now: Date,
  expiresAt: Date,
): Promise<ExportBundleRow | undefined> {
  const [row] = await ex
    .update(exportBundles)
    .set({ releasedAt: now, expiresAt })
    .where(
      and(
        eq(exportBundles.id, id),
        isNull(exportBundles.releasedAt),
        isNull(exportBundles.revokedAt),
        isNull(exportBundles.purgedAt),
        gt(exportBundles.expiresAt, now),
      ),
    )
    .returning();
  return row;
}

export async function markRevoked(ex: Executor, id: string, now: Date): Promise<ExportBundleRow | undefined> {
  const [row] = await ex
    .update(exportBundles)
    .set({ revokedAt: now })
    .where(and(eq(exportBundles.id, id), isNull(exportBundles.revokedAt), isNull(exportBundles.purgedAt)))
    .returning();
  return row;
}

/** Bundles whose file should leave the store: expired or revoked, not yet purged. */
export async function findPurgeable(ex: Executor, now: Date, limit: number): Promise<ExportBundleRow[]> {
  return ex
    .select()
    .from(exportBundles)
    .where(
      and(
        isNull(exportBundles.purgedAt),
        or(lte(exportBundles.expiresAt, now), isNotNull(exportBundles.revokedAt)),
      ),
    )
    .orderBy(asc(exportBundles.expiresAt))
    .limit(limit);
}

export async function markPurged(ex: Executor, id: string, now: Date): Promise<boolean> {
  const rows = await ex
    .update(exportBundles)
    .set({ purgedAt: now })
    .where(and(eq(exportBundles.id, id), isNull(exportBundles.purgedAt)))
    .returning({ id: exportBundles.id });
  return rows.length === 1;
}

// One-time download codes.

/** Ends every code of the bundle still usable: a new code replaces them. */
export async function voidCodes(ex: Executor, bundleId: string, now: Date): Promise<void> {
  await ex
    .update(downloadCodes)
    .set({ expiresAt: now })
    .where(
      and(
        eq(downloadCodes.bundleId, bundleId),
        isNull(downloadCodes.usedAt),
        gt(downloadCodes.expiresAt, now),
      ),
    );
}

export async function insertCode(
  ex: Executor,
  row: { bundleId: string; codeHash: string; expiresAt: Date; createdAt: Date },
): Promise<DownloadCodeRow> {
  const [inserted] = await ex.insert(downloadCodes).values(row).returning();
  return inserted!;
}

export async function countCodesSince(ex: Executor, bundleId: string, since: Date): Promise<number> {
  const [row] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(downloadCodes)
    .where(and(eq(downloadCodes.bundleId, bundleId), gte(downloadCodes.createdAt, since)));
  return Number(row?.n ?? 0);
}

/** The bundle's newest code, whatever its state (the caller explains why it no longer works). */
export async function findLatestCode(ex: Executor, bundleId: string): Promise<DownloadCodeRow | undefined> {
  const [row] = await ex
    .select()
    .from(downloadCodes)
    .where(eq(downloadCodes.bundleId, bundleId))
    .orderBy(desc(downloadCodes.createdAt), desc(downloadCodes.id))
    .limit(1);
  return row;
}

/**
 * Counts one attempt at a code that is still usable (unused, unexpired, under `maxAttempts`), in one
 * statement, so parallel guesses cannot exceed the limit; undefined when the code is no longer usable.
 */
export async function countCodeAttempt(
  ex: Executor,
  id: string,
  now: Date,
  maxAttempts: number,
): Promise<DownloadCodeRow | undefined> {
  const [row] = await ex
    .update(downloadCodes)
    .set({ attempts: sql`${downloadCodes.attempts} + 1` })
    .where(
      and(
        eq(downloadCodes.id, id),
        isNull(downloadCodes.usedAt),
        gt(downloadCodes.expiresAt, now),
        lt(downloadCodes.attempts, maxAttempts),
      ),
    )
    .returning();
  return row;
}

/** Uses the code; false when another request used it first. */
export async function markCodeUsed(ex: Executor, id: string, now: Date): Promise<boolean> {
  const rows = await ex
    .update(downloadCodes)
    .set({ usedAt: now })
    .where(and(eq(downloadCodes.id, id), isNull(downloadCodes.usedAt)))
    .returning({ id: downloadCodes.id });
  return rows.length === 1;
}

/** Deletes codes that ended before `before` (used, voided or expired): their hashes serve nothing any more. */
export async function deleteCodesEndedBefore(ex: Executor, before: Date): Promise<number> {
  const rows = await ex
    .delete(downloadCodes)
    .where(lt(downloadCodes.expiresAt, before))
    .returning({ id: downloadCodes.id });
  return rows.length;
}

/** Whether a bundle row that is not purged names this store key (the sweep keeps its file). */
export async function isLiveStorageKey(ex: Executor, key: string): Promise<boolean> {
  const [row] = await ex
    .select({ id: exportBundles.id })
    .from(exportBundles)
    .where(and(eq(exportBundles.storageKey, key), isNull(exportBundles.purgedAt)))
    .limit(1);
  return Boolean(row);
}
