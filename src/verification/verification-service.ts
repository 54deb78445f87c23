import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Executor } from '../db/client.ts';
import type { RequestRow } from '../db/schema.ts';
import { AppError } from '../http/app-error.ts';
import { queueMail } from '../mail/mail-service.ts';
import { statusUrl, verifyUrl } from '../requests/links.ts';
import { recordClockEvents } from '../requests/request-clock.ts';
import type { RequestDeps } from '../requests/request-deps.ts';
import { requestEmail } from '../requests/request-emails.ts';
import { transitionRequest } from '../requests/request-transition.ts';
import { findRequestById } from '../requests/requests-repo.ts';
import { hashJti, readToken, signToken } from './tokens.ts';
import {
  claimToken,
  countTokensSince,
  findTokenByJtiHash,
  insertVerificationToken,
  voidOpenTokens,
} from './verification-repo.ts';

export const resendsPerDay = 5;

/** Signs a verification link and the row that makes it single-use; nothing is written yet. */
export function prepareVerificationToken(deps: Pick<RequestDeps, 'config'>, requestId: string, now: Date) {
  const ttlSeconds = deps.config.verification.tokenHours * 3600;
  const { token, jti, expiresAt } = signToken(deps.config.secretKey, {
    purpose: 'verify',
    requestId,
    ttlSeconds,
    now,
    withJti: true,
  });
  return {
    url: verifyUrl(deps.config, token),
    expiresAt,
    row: { requestId, jtiHash: hashJti(jti!), expiresAt, createdAt: now },
  };
}

/** A new single-use link for the request; any older open link stops working. */
export async function issueVerificationToken(
  ex: Executor,
  deps: Pick<RequestDeps, 'config'>,
  requestId: string,
  now: Date,
): Promise<{ url: string; expiresAt: Date }> {
  const prepared = prepareVerificationToken(deps, requestId, now);
  await voidOpenTokens(ex, requestId, now);
  await insertVerificationToken(ex, prepared.row);
  return { url: prepared.url, expiresAt: prepared.expiresAt };
}

export type TokenState =
  | { state: 'ready'; request: RequestRow; tokenId: string }
  | { state: 'used' | 'expired' | 'closed'; request: RequestRow };

/** Reads a verification link without changing anything (GET must be safe: mail scanners prefetch). */
export async function inspectVerification(deps: RequestDeps, token: string): Promise<TokenState> {
  const now = deps.now();
  const claims = readToken(deps.config.secretKey, token, 'verify', now);
  const row = claims.jti ? await findTokenByJtiHash(deps.db, hashJti(claims.jti)) : undefined;
  const request = row ? await findRequestById(deps.db, row.requestId) : undefined;
  if (!row || !request || request.id !== claims.rid) {
    throw new AppError('TOKEN_INVALID', 'This link is not valid. Check that it was copied whole.');
  }
  if (row.usedAt || request.status !== 'unverified') {
    const closed = ['expired', 'cancelled'].includes(request.status) && !row.usedAt;
    return { state: closed ? 'closed' : 'used', request };
  }
  if (row.voidedAt || claims.expired || row.expiresAt <= now) return { state: 'expired', request };
  return { state: 'ready', request, tokenId: row.id };
}

const problemFor = (state: Exclude<TokenState['state'], 'ready'>, reference: string) =>
  ({
    used: new AppError('TOKEN_USED', `This link was already used: request ${reference} is verified.`),
    expired: new AppError(
      'TOKEN_EXPIRED',
      `This link has expired. Ask for a new one for request ${reference}.`,
    ),
    closed: new AppError(
      'TOKEN_EXPIRED',
      `Request ${reference} is closed: it was not verified in time or was cancelled.`,
    ),
  })[state];

/** POST /verify/{token}: the request moves to pending_review, the clock records it, the subject is told. */
export async function verifyRequest(
  deps: RequestDeps,
  token: string,
): Promise<{ reference: string; status: RequestRow['status']; statusUrl: string; locale: string }> {
  const inspected = await inspectVerification(deps, token);
  if (inspected.state !== 'ready') throw problemFor(inspected.state, inspected.request.reference);
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    // The claim is conditional (unused, not voided): of two clicks at once, one wins.
    if (!(await claimToken(tx, inspected.tokenId, now)))
      throw problemFor('used', inspected.request.reference);
    const updated = await transitionRequest(tx, {
      request: inspected.request,
      action: 'verify',
      actor: 'subject',
      actorId: 'subject',
      now,
      patch: { verifiedAt: now, acknowledgedAt: inspected.request.acknowledgedAt ?? now },
      clock: deps.config.clock,
    });
    const acknowledged = await recordClockEvents(
      tx,
      updated,
      [
        { kind: 'verified', at: now },
        { kind: 'acknowledged', at: now },
      ],
      deps.config.clock,
    );
    const link = statusUrl(deps.config, updated.id, now);
    await queueMail(
      tx,
      deps.jobs,
      requestEmail(
        { i18n: deps.i18n, orgName: deps.config.orgName, publicUrl: deps.config.publicUrl, statusUrl: link },
        { ...updated, dueBy: acknowledged.dueBy },
        'acknowledgement',
      ),
    );
    return { reference: updated.reference, status: updated.status, statusUrl: link, locale: updated.locale };
  });
}

/** A fresh link for the same request (never a new request); at most five a day. */
export async function resendVerification(deps: RequestDeps, token: string): Promise<{ reference: string }> {
  const inspected = await inspectVerification(deps, token);
  if (inspected.state === 'used' || inspected.state === 'closed') {
    throw problemFor(inspected.state, inspected.request.reference);
  }
  return resendForRequest(deps, inspected.request);
}

/** Also reached from the status page, whose signed link proves the same thing a verify link does. */
export async function resendForRequest(
  deps: RequestDeps,
  request: RequestRow,
): Promise<{ reference: string }> {
  if (request.status !== 'unverified') {
    throw new AppError('REQUEST_CLOSED', `Request ${request.reference} needs no confirmation now.`);
  }
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const since = new Date(now.getTime() - 24 * 3600 * 1000);
    // The first link plus five resends in any 24 hours.
    if ((await countTokensSince(tx, request.id, since)) >= resendsPerDay + 1) {
      throw new AppError(
        'RESEND_LIMIT',
        'We have sent five links today. Please use the latest one or try tomorrow.',
      );
    }
    const verify = await issueVerificationToken(tx, deps, request.id, now);
    const link = statusUrl(deps.config, request.id, now);
    await queueMail(
      tx,
      deps.jobs,
      requestEmail(
        { i18n: deps.i18n, orgName: deps.config.orgName, publicUrl: deps.config.publicUrl, statusUrl: link },
        request,
        'verify',
        { verifyUrl: verify.url, hours: deps.config.verification.tokenHours },
      ),
    );
    await appendAuditEvent(tx, {
      requestId: request.id,
      kind: 'verification.resent',
      actor: 'subject',
      data: { expiresAt: verify.expiresAt.toISOString() },
      at: now,
    });
    return { reference: request.reference };
  });
}
