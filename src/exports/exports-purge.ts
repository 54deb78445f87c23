import { auditExport } from './export-delivery.ts';
import type { ExportDeps } from './exports-deps.ts';
import { deleteCodesEndedBefore, findPurgeable, isLiveStorageKey, markPurged } from './exports-repo.ts';

const batch = 100;

/**
 * The exports.purge job (hourly): the files of expired and revoked bundles leave the store; their rows
 * stay, marked purged, as the record. Idempotent: a file already gone is fine, and a bundle is marked
 * only after its file is deleted, so a crash in between just deletes nothing the next time. Codes that
 * ended over an hour ago go too (the last hour's are kept: they count towards the hourly code limit),
 * and so do files older than a day that no live bundle row names.
 */
export async function purgeExports(
  deps: Pick<ExportDeps, 'db' | 'store' | 'now' | 'logger'>,
): Promise<{ purged: number; codes: number; orphans: number }> {
  let purged = 0;
  const now = deps.now();
  // Bounded: a bundle whose file cannot be deleted (a store error) must not hold the job forever.
  for (let round = 0; round < 100; round++) {
    const bundles = await findPurgeable(deps.db, now, batch);
    for (const bundle of bundles) {
      await deps.store.delete(bundle.storageKey);
      await deps.db.transaction(async (tx) => {
        if (!(await markPurged(tx, bundle.id, now))) return;
        await auditExport(tx, bundle, 'export.purged', 'system', now, {
          reason: bundle.revokedAt ? 'revoked' : 'expired',
        });
        purged += 1;
      });
    }
    if (bundles.length < batch) break;
  }
  const codes = await deleteCodesEndedBefore(deps.db, new Date(now.getTime() - 3_600_000));
  // Files no row points to: a build that crashed mid-write, or whose recording failed with the
  // database down. A day old at least, so a build still writing is never touched.
  const orphans = await deps.store.sweep(
    (key) => isLiveStorageKey(deps.db, key),
    new Date(now.getTime() - 86_400_000),
  );
  return { purged, codes, orphans };
}
