import { Temporal } from 'temporal-polyfill';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Executor, Tx } from '../db/client.ts';
import type { ExportBundleRow, RequestRow } from '../db/schema.ts';
import { completeFulfilledRequest } from '../fulfilment/task-runner.ts';
import { queueMail } from '../mail/mail-service.ts';
import { newLinkEmail } from './download-emails.ts';
import { downloadUrl } from './download-link.ts';
import type { ExportDeps } from './exports-deps.ts';

export type BundleState = 'released' | 'awaiting_review' | 'expired' | 'revoked' | 'purged';

/** Where a bundle stands. Revocation and expiry say why a file was purged, so they come first. */
export function bundleState(bundle: ExportBundleRow, now: Date): BundleState {
  if (bundle.revokedAt) return 'revoked';
  if (bundle.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (bundle.purgedAt) return 'purged';
  return bundle.releasedAt ? 'released' : 'awaiting_review';
}

export const expiryFrom = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000);

/** The signed link of a bundle and the last day it works, as a local date of the request's time zone. */
export function bundleLink(deps: Pick<ExportDeps, 'config'>, request: RequestRow, bundle: ExportBundleRow) {
  const until = Temporal.Instant.fromEpochMilliseconds(bundle.expiresAt.getTime())
    .toZonedDateTimeISO(request.timeZone)
    .toPlainDate()
    .toString();
  return { url: downloadUrl(deps.config, bundle.id, bundle.expiresAt), until };
}

/**
 * Gives the subject a released bundle, in the caller's transaction under the request's row lock: a
 * request still processing completes with the completion email carrying the link; a completed one
 * (a new copy) gets a short email with the new link.
 */
export async function deliverBundle(
  tx: Tx,
  deps: ExportDeps,
  request: RequestRow,
  bundle: ExportBundleRow,
  now: Date,
): Promise<void> {
  const download = bundleLink(deps, request, bundle);
  if (request.status === 'processing') {
    await completeFulfilledRequest(tx, deps, request, now, download);
    return;
  }
  await queueMail(
    tx,
    deps.jobs,
    newLinkEmail({ i18n: deps.i18n, config: deps.config, now }, request, download),
  );
}

/** An export event of the audit trail: ids and facts only, never who the subject is or what they hold. */
export function auditExport(
  ex: Executor,
  bundle: Pick<ExportBundleRow, 'id' | 'requestId'>,
  kind: string,
  actor: string,
  at: Date,
  data: Record<string, unknown> = {},
) {
  return appendAuditEvent(ex, {
    requestId: bundle.requestId,
    kind,
    actor,
    data: { bundleId: bundle.id, ...data },
    at,
  });
}
