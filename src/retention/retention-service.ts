import { Temporal } from 'temporal-polyfill';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Db } from '../db/client.ts';
import type { BundleStore } from '../exports/exports-contract.ts';
import type { Logger } from '../logger.ts';
import {
  countExpiredRecords,
  erasePersonalData,
  findExpiredRecords,
  type RetentionCandidate,
  unpurgedBundleKeys,
} from './retention-repo.ts';

export type RetentionDeps = {
  db: Db;
  now: () => Date;
  store: Pick<BundleStore, 'delete'>;
  /** RECORDS_RETENTION_MONTHS: how long a closed request keeps its personal data. */
  retentionMonths: number;
  logger?: Pick<Logger, 'error'>;
};

export type RetentionResult = { cutoff: string; erased: number; pending?: number; failed?: number };

const batch = 100;

/** Requests that closed before this instant are past retention: calendar months back, in UTC. */
export function retentionCutoff(now: Date, months: number): Date {
  const zoned = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO('UTC');
  return new Date(zoned.subtract({ months }).epochMilliseconds);
}

/**
 * The records.retention job (daily). CCPA §7101 asks for the request records for at least 24 months;
 * after that, keeping the person's data serves nobody. Per request, in one transaction: personal
 * fields emptied, emails, notes, tokens and collected records deleted, and an audit event saying so.
 * The audit chain holds personal data only by reference (ids), so it still verifies afterwards, and
 * the non-personal record (type, law, dates, outcome, deny reason) keeps the §7102 metrics unchanged.
 */
export async function runRecordsRetention(
  deps: RetentionDeps,
  options: { dryRun?: boolean } = {},
): Promise<RetentionResult> {
  const now = deps.now();
  const cutoff = retentionCutoff(now, deps.retentionMonths);
  if (options.dryRun) {
    return { cutoff: cutoff.toISOString(), erased: 0, pending: await countExpiredRecords(deps.db, cutoff) };
  }
  let erased = 0;
  // A request that cannot be erased (a store error) is skipped for the rest of this run and logged, so
  // one bad file never stops retention for everyone after it; tomorrow's run tries it again.
  const failed = new Set<string>();
  for (let round = 0; round < 1000; round++) {
    const due = (await findExpiredRecords(deps.db, cutoff, batch + failed.size)).filter(
      (r) => !failed.has(r.id),
    );
    for (const request of due) {
      try {
        await eraseOne(deps, request, now);
        erased += 1;
      } catch (error) {
        failed.add(request.id);
        deps.logger?.error(
          { requestId: request.id, err: { name: (error as Error)?.name } },
          'records retention failed',
        );
      }
    }
    if (due.length < batch) break;
  }
  if (failed.size) return { cutoff: cutoff.toISOString(), erased, failed: failed.size };
  return { cutoff: cutoff.toISOString(), erased };
}

/** Files first, like the export purge: a crash in between leaves a row to retry, not an orphan file. */
async function eraseOne(deps: RetentionDeps, request: RetentionCandidate, now: Date): Promise<void> {
  for (const bundle of await unpurgedBundleKeys(deps.db, [request.id])) await deps.store.delete(bundle.key);
  const late = await deps.db.transaction(async (tx) => {
    const keys = await erasePersonalData(tx, request.id, now);
    if (!keys) return [];
    await appendAuditEvent(tx, {
      requestId: request.id,
      kind: 'request.personal_data_erased',
      actor: 'system',
      data: { retentionMonths: deps.retentionMonths, closedAt: request.closedAt.toISOString() },
      at: now,
    });
    return keys;
  });
  for (const key of late) await deps.store.delete(key);
}
