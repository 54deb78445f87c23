import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ExportBundleRow, RequestRow } from '../db/schema.ts';
import { lockRequest } from '../fulfilment/tasks-repo.ts';
import { AppError } from '../http/app-error.ts';
import { hashRateLimitKey } from '../http/rate-limit.ts';
import { PostgresRateLimitStore } from '../http/rate-limit-store.ts';
import { queueMail } from '../mail/mail-service.ts';
import { findRequestById } from '../requests/requests-repo.ts';
import { downloadCodeEmail, newLinkEmail } from './download-emails.ts';
import { readDownloadToken } from './download-link.ts';
import { auditExport, type BundleState, bundleLink, bundleState } from './export-delivery.ts';
import type { ExportDeps } from './exports-deps.ts';
import {
  countCodeAttempt,
  countCodesSince,
  findBundle,
  findLatestCode,
  findLiveBundle,
  insertCode,
  markCodeUsed,
  voidCodes,
} from './exports-repo.ts';

export const CODE_MINUTES = 15;
export const CODE_ATTEMPTS = 5;
/** Codes one bundle may be sent per hour (each one voids the one before). */
export const CODES_PER_HOUR = 5;
const hour = 3_600_000;

export type DownloadView = { state: BundleState; bundle: ExportBundleRow; request: RequestRow };

/** What a download link leads to; an unknown or forged link is TOKEN_INVALID. Changes nothing. */
export async function inspectDownload(deps: ExportDeps, token: string): Promise<DownloadView> {
  const { bundleId } = readDownloadToken(deps.config.secretKey, token);
  const bundle = await findBundle(deps.db, bundleId);
  const request = bundle && (await findRequestById(deps.db, bundle.requestId));
  if (!bundle || !request) throw new AppError('TOKEN_INVALID', 'This link is not valid.');
  return { state: bundleState(bundle, deps.now()), bundle, request };
}

// HMAC under SECRET_KEY, bound to the bundle: six digits are too few to store as a plain hash.
const codeHash = (secret: string, bundleId: string, code: string) =>
  createHmac('sha256', secret).update(`download-code:${bundleId}:${code}`).digest();

/** Emails a fresh one-time code to the request's address; every earlier code of the bundle stops working. */
export async function sendDownloadCode(
  deps: ExportDeps,
  token: string,
): Promise<{ view: DownloadView; outcome: 'sent' | 'limit' | 'unavailable' }> {
  const view = await inspectDownload(deps, token);
  if (view.state !== 'released') return { view, outcome: 'unavailable' };
  const now = deps.now();
  const { bundle, request } = view;
  if ((await countCodesSince(deps.db, bundle.id, new Date(now.getTime() - hour))) >= CODES_PER_HOUR)
    return { view, outcome: 'limit' };
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await deps.db.transaction(async (tx) => {
    await voidCodes(tx, bundle.id, now);
    await insertCode(tx, {
      bundleId: bundle.id,
      codeHash: codeHash(deps.config.secretKey, bundle.id, code).toString('hex'),
      expiresAt: new Date(now.getTime() + CODE_MINUTES * 60_000),
      createdAt: now,
    });
    const ctx = { i18n: deps.i18n, config: deps.config, now };
    await queueMail(tx, deps.jobs, downloadCodeEmail(ctx, request, code, CODE_MINUTES));
    await auditExport(tx, bundle, 'export.code_sent', 'subject', now);
  });
  return { view, outcome: 'sent' };
}

export type Redeemed =
  | { view: DownloadView; outcome: 'ok'; body: Readable }
  | { view: DownloadView; outcome: 'wrong'; attemptsLeft: number }
  | { view: DownloadView; outcome: 'no_code' | 'exhausted' | 'unavailable' };

/**
 * Checks the code (each try counts, five per code, compared in constant time) and, when it is right,
 * uses it up, records the download and opens the decrypted bundle.
 */
export async function redeemDownloadCode(deps: ExportDeps, token: string, code: string): Promise<Redeemed> {
  const view = await inspectDownload(deps, token);
  if (view.state !== 'released') return { view, outcome: 'unavailable' };
  const now = deps.now();
  const { bundle } = view;
  const latest = await findLatestCode(deps.db, bundle.id);
  if (!latest || latest.usedAt || latest.expiresAt.getTime() <= now.getTime())
    return { view, outcome: 'no_code' };
  const tried = await countCodeAttempt(deps.db, latest.id, now, CODE_ATTEMPTS);
  if (!tried) return { view, outcome: latest.attempts >= CODE_ATTEMPTS ? 'exhausted' : 'no_code' };
  const expected = Buffer.from(tried.codeHash, 'hex');
  const given = codeHash(deps.config.secretKey, bundle.id, code);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    const attemptsLeft = CODE_ATTEMPTS - tried.attempts;
    return attemptsLeft > 0 ? { view, outcome: 'wrong', attemptsLeft } : { view, outcome: 'exhausted' };
  }
  // The purge job may have deleted the file of a bundle that only just expired: say so, keep the code.
  if (!(await deps.store.exists(bundle.storageKey)))
    return { view: { ...view, state: 'purged' }, outcome: 'unavailable' };
  const used = await deps.db.transaction(async (tx) => {
    if (!(await markCodeUsed(tx, tried.id, now))) return false;
    await auditExport(tx, bundle, 'export.downloaded', 'subject', now);
    return true;
  });
  if (!used) return { view, outcome: 'no_code' };
  return { view, outcome: 'ok', body: deps.store.read(bundle.storageKey, bundle.keyId) };
}

export type CopyOutcome = 'queued' | 'resent' | 'limit' | 'closed' | 'unavailable';

/**
 * "Send me a new copy" from an expired, revoked or deleted bundle's page, once an hour per request:
 * a newer released bundle has its link emailed again; otherwise a new bundle is built from the
 * records already collected and its link emailed (after the DPO's release when review is on).
 */
export async function requestNewCopy(
  deps: ExportDeps,
  token: string,
): Promise<{ view: DownloadView; outcome: CopyOutcome }> {
  const view = await inspectDownload(deps, token);
  const { request } = view;
  if (!['expired', 'revoked', 'purged'].includes(view.state)) return { view, outcome: 'unavailable' };
  // After records retention nothing is left to copy, and there is no address to send a link to.
  if ((request.status !== 'completed' && request.status !== 'processing') || request.personalDataErasedAt)
    return { view, outcome: 'closed' };
  const limiter = new PostgresRateLimitStore(deps.db, 'export-copy:', deps.now);
  limiter.init({ windowMs: hour });
  if ((await limiter.increment(hashRateLimitKey(request.id))).totalHits > 1)
    return { view, outcome: 'limit' };
  const outcome = await deps.db.transaction(async (tx) => {
    const now = deps.now();
    const locked = await lockRequest(tx, request.id);
    if (!locked) throw new AppError('TOKEN_INVALID', 'This link is not valid.');
    const live = await findLiveBundle(tx, request.id, now);
    await auditExport(tx, view.bundle, 'export.copy_requested', 'subject', now);
    if (live?.releasedAt) {
      const ctx = { i18n: deps.i18n, config: deps.config, now };
      await queueMail(tx, deps.jobs, newLinkEmail(ctx, locked, bundleLink(deps, locked, live)));
      return 'resent' as const;
    }
    // A bundle awaiting the DPO's review will be sent on release; otherwise build one.
    if (!live) await deps.jobs.enqueue(tx, 'exports.build', { requestId: request.id });
    return 'queued' as const;
  });
  return { view, outcome };
}
