import { appendAuditEvent } from '../audit/audit-service.ts';
import type { RequestRow } from '../db/schema.ts';
import { listTasks, lockRequest } from '../fulfilment/tasks-repo.ts';
import { transitionRequest } from '../requests/request-transition.ts';
import { findRequestById } from '../requests/requests-repo.ts';
import { auditExport, deliverBundle, expiryFrom } from './export-delivery.ts';
import type { BuiltBundle } from './exports-contract.ts';
import type { ExportJobDeps } from './exports-deps.ts';
import { findLiveBundle, insertBundle, listBundles } from './exports-repo.ts';

export type BuildOutcome = 'built' | 'skipped' | 'failed';

/**
 * An access request gets a bundle while it is processing (its tasks are all done: the first bundle)
 * and after it completed (the subject asked for a new copy of an expired or revoked one).
 */
const buildable = new Set<RequestRow['status']>(['processing', 'completed']);

/**
 * One attempt of the exports.build job. Idempotent: a request that is not an access request, is no
 * longer processing or completed, or already has a live bundle (released or awaiting review) is
 * skipped, so a duplicate job builds nothing. A thrown error means "retry me"; the last allowed attempt
 * fails a processing request instead (staff see it and can retry).
 */
export async function runExportBuild(
  deps: ExportJobDeps,
  requestId: string,
  retryCount: number,
): Promise<BuildOutcome> {
  const request = await findRequestById(deps.db, requestId);
  // After records retention there is nothing to export and nobody to send it to.
  if (request?.type !== 'access' || !buildable.has(request.status) || request.personalDataErasedAt)
    return 'skipped';
  if (await findLiveBundle(deps.db, request.id, deps.now())) return 'skipped';
  const tasks = await listTasks(deps.db, request.id);
  // Only the records of finished tasks go out: a stray job for a request still collecting builds nothing.
  if (tasks.length === 0 || tasks.some((t) => t.status !== 'done')) return 'skipped';
  let built: BuiltBundle;
  try {
    built = await deps.build(deps, request, tasks);
  } catch (error) {
    deps.logger.warn({ requestId, attempt: retryCount + 1, err: errorFacts(error) }, 'export build failed');
    if (retryCount < deps.retryLimit) throw new Error(`export of request ${requestId} failed; will retry`);
    await giveUp(deps, requestId, error);
    return 'failed';
  }
  const saved = await recordBundle(deps, request, built).catch(async (error: unknown) => {
    // Written but not recorded: no row would ever lead the purge to this file of personal data. A
    // commit whose answer was lost may have recorded it after all, so it goes only once we know.
    const rows = await listBundles(deps.db, request.id).catch(() => undefined);
    if (rows && !rows.some((b) => b.storageKey === built.storageKey))
      await deps.store.delete(built.storageKey).catch(() => {});
    throw error;
  });
  if (saved) return 'built';
  await deps.store.delete(built.storageKey).catch(() => {});
  return 'skipped';
}

/** The bundle's row, its audit event and (without review) the link to the subject, in one transaction. */
function recordBundle(deps: ExportJobDeps, request: RequestRow, built: BuiltBundle): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const locked = await lockRequest(tx, request.id);
    // Someone else built one meanwhile, or the request moved on (cancelled): this file is not needed.
    if (locked?.status !== request.status || locked.personalDataErasedAt) return false;
    if (await findLiveBundle(tx, request.id, now)) return false;
    const review = deps.config.exportReview;
    const bundle = await insertBundle(tx, {
      requestId: request.id,
      storageKey: built.storageKey,
      keyId: built.keyId,
      size: built.size,
      sha256: built.sha256,
      manifest: built.manifest as unknown as Record<string, unknown>,
      createdAt: now,
      releasedAt: review ? null : now,
      expiresAt: expiryFrom(now, deps.config.exportLinkDays),
    });
    await auditExport(tx, bundle, 'export.built', 'system', now, {
      size: built.size,
      sha256: built.sha256,
      files: built.manifest.files.length,
      copy: locked.status === 'completed',
      review,
    });
    if (!review) await deliverBundle(tx, deps, locked, bundle, now);
    return true;
  });
}

/**
 * Past the last retry: a processing request fails through the transition table (staff see
 * `request.fail` with stage "export" and can retry); a completed one stays completed, and the subject
 * may ask for a new copy again. Either way the trail says the export failed.
 */
async function giveUp(deps: ExportJobDeps, requestId: string, error: unknown): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const now = deps.now();
    const request = await lockRequest(tx, requestId);
    if (!request) return;
    const facts = errorFacts(error);
    await appendAuditEvent(tx, {
      requestId,
      kind: 'export.failed',
      actor: 'system',
      data: (facts.code && diagnoses[facts.code]) || (facts.code ? { code: facts.code } : {}),
      at: now,
    });
    if (request.status !== 'processing') return;
    await transitionRequest(tx, {
      request,
      action: 'fail',
      actor: 'system',
      actorId: 'system',
      now,
      clock: deps.config.clock,
      data: { stage: 'export' },
    });
  });
}

// System errors the DPO can act on, said in words in the trail (no paths: the trail is kept for years).
const noSpace = {
  code: 'NO_SPACE',
  message: 'The disk holding the export files is full. Free space under DATA_DIR/exports, then retry.',
};
const diagnoses: Record<string, { code: string; message: string }> = { ENOSPC: noSpace, EDQUOT: noSpace };

/**
 * What may be logged of a build error: its name and, for system errors (ENOSPC, ENOTDIR), the code and
 * message (paths and ids only). Other messages may quote what was being written or queried (a failed
 * query repeats its parameters), so they are never logged.
 */
function errorFacts(error: unknown): { name: string; code?: string; message?: string } {
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const name = inner instanceof Error ? inner.name : typeof inner;
  const code = (inner as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !/^E[A-Z0-9_]{2,40}$/.test(code)) return { name };
  return { name, code, message: (inner as Error).message.slice(0, 300) };
}
