import type { Readable } from 'node:stream';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { ExportBundleRow, RequestRow } from '../db/schema.ts';
import { lockRequest } from '../fulfilment/tasks-repo.ts';
import { AppError } from '../http/app-error.ts';
import { findRequestByReference } from '../requests/requests-repo.ts';
import { auditExport, type BundleState, bundleState, deliverBundle, expiryFrom } from './export-delivery.ts';
import type { ExportDeps } from './exports-deps.ts';
import {
  findBundle,
  findLiveBundle,
  listBundles,
  markReleased,
  markRevoked,
  voidCodes,
} from './exports-repo.ts';

/** A bundle as staff see it: no personal data, only what it is and where it stands. */
export type ExportItem = {
  id: string;
  state: BundleState;
  size: number;
  sha256: string;
  files: number;
  createdAt: string;
  releasedAt: string | null;
  expiresAt: string;
  revokedAt: string | null;
  purgedAt: string | null;
};

export function toExportItem(bundle: ExportBundleRow, now: Date): ExportItem {
  const files = (bundle.manifest as { files?: unknown }).files;
  return {
    id: bundle.id,
    state: bundleState(bundle, now),
    size: bundle.size,
    sha256: bundle.sha256,
    files: Array.isArray(files) ? files.length : 0,
    createdAt: bundle.createdAt.toISOString(),
    releasedAt: bundle.releasedAt?.toISOString() ?? null,
    expiresAt: bundle.expiresAt.toISOString(),
    revokedAt: bundle.revokedAt?.toISOString() ?? null,
    purgedAt: bundle.purgedAt?.toISOString() ?? null,
  };
}

async function requestOf(deps: Pick<ExportDeps, 'db'>, reference: string): Promise<RequestRow> {
  const request = await findRequestByReference(deps.db, reference);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `Request ${reference} does not exist.`);
  return request;
}

const bundleNotFound = (id: string) => new AppError('NOT_FOUND', `This request has no export ${id}.`);

export async function listExports(deps: Pick<ExportDeps, 'db' | 'now' | 'config'>, reference: string) {
  const request = await requestOf(deps, reference);
  const now = deps.now();
  const bundles = await listBundles(deps.db, request.id);
  return { reference, review: deps.config.exportReview, items: bundles.map((b) => toExportItem(b, now)) };
}

/**
 * The DPO releases a reviewed bundle (EXPORT_REVIEW=on): its link gets the full EXPORT_LINK_DAYS from
 * now and goes to the subject, completing a request still processing.
 */
export async function releaseExport(deps: ExportDeps, staffId: string, reference: string, bundleId: string) {
  const request = await requestOf(deps, reference);
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const locked = await lockRequest(tx, request.id);
    const bundle = await findBundle(tx, bundleId);
    if (!locked || bundle?.requestId !== request.id) throw bundleNotFound(bundleId);
    if (bundle.releasedAt) throw new AppError('CONFLICT', 'This export was already released.');
    if (locked.status !== 'processing' && locked.status !== 'completed')
      throw new AppError('REQUEST_CLOSED', `Request ${reference} is ${locked.status}: nothing is sent.`);
    const released = await markReleased(tx, bundle.id, now, expiryFrom(now, deps.config.exportLinkDays));
    if (!released) throw new AppError('EXPORT_GONE', 'This export was revoked or has expired.');
    await auditExport(tx, released, 'export.released', staffId, now);
    await deliverBundle(tx, deps, locked, released, now);
    return toExportItem(released, now);
  });
}

/** Staff withdraw a bundle: its link and codes stop working at once; the purge job deletes the file. */
export async function revokeExport(deps: ExportDeps, staffId: string, reference: string, bundleId: string) {
  const request = await requestOf(deps, reference);
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const bundle = await findBundle(tx, bundleId);
    if (bundle?.requestId !== request.id) throw bundleNotFound(bundleId);
    const revoked = await markRevoked(tx, bundle.id, now);
    if (!revoked) throw new AppError('CONFLICT', 'This export was already revoked or deleted.');
    await voidCodes(tx, bundle.id, now);
    await auditExport(tx, revoked, 'export.revoked', staffId, now);
    return toExportItem(revoked, now);
  });
}

/**
 * Staff ask for a fresh bundle from the records already collected (e.g. after revoking one under
 * review); refused while the request has a live bundle.
 */
export async function rebuildExport(deps: ExportDeps, staffId: string, reference: string) {
  const request = await requestOf(deps, reference);
  await deps.db.transaction(async (tx) => {
    const now = deps.now();
    const locked = await lockRequest(tx, request.id);
    if (locked?.type !== 'access' || !['processing', 'completed'].includes(locked.status))
      throw new AppError('CONFLICT', 'Only a processing or completed access request has an export.');
    if (locked.personalDataErasedAt)
      throw new AppError('REQUEST_CLOSED', 'Records retention removed this request’s personal data.');
    if (await findLiveBundle(tx, request.id, now))
      throw new AppError('CONFLICT', 'This request already has a live export: revoke it first.');
    await deps.jobs.enqueue(tx, 'exports.build', { requestId: request.id });
    await appendAuditEvent(tx, { requestId: request.id, kind: 'export.rebuild', actor: staffId, at: now });
  });
  return { reference, queued: true };
}

/** The DPO reads a bundle before release (or after): the decrypted ZIP, on the record. */
export async function openPreview(
  deps: ExportDeps,
  staffId: string,
  reference: string,
  bundleId: string,
): Promise<{ bundle: ExportBundleRow; request: RequestRow; body: Readable }> {
  const request = await requestOf(deps, reference);
  const bundle = await findBundle(deps.db, bundleId);
  if (bundle?.requestId !== request.id) throw bundleNotFound(bundleId);
  if (bundle.purgedAt || !(await deps.store.exists(bundle.storageKey)))
    throw new AppError('EXPORT_GONE', 'The file of this export has been deleted.');
  await auditExport(deps.db, bundle, 'export.previewed', staffId, deps.now());
  return { bundle, request, body: deps.store.read(bundle.storageKey, bundle.keyId) };
}
