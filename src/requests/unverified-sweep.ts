import { appendAuditEvent } from '../audit/audit-service.ts';
import type { RequestRow } from '../db/schema.ts';
import { AppError } from '../http/app-error.ts';
import { queueMail } from '../mail/mail-service.ts';
import { issueVerificationToken } from '../verification/verification-service.ts';
import { statusUrl } from './links.ts';
import { recordClockEvent } from './request-clock.ts';
import type { RequestDeps } from './request-deps.ts';
import { requestEmail } from './request-emails.ts';
import { transitionRequest } from './request-transition.ts';
import {
  findUnacknowledged,
  findUnverifiedToExpire,
  findUnverifiedToRemind,
  markOnce,
} from './requests-repo.ts';

const batch = 200;

// Where the law sets an acknowledgement deadline (CCPA: 10 business days), confirming receipt needs
// no verification: a request still unverified after two days is acknowledged anyway, always in time.
const acknowledgeUnverifiedAfterMs = 48 * 3600 * 1000;

export type SweepResult = { reminded: number; expired: number; acknowledged: number; skipped: number };

/**
 * Scheduled: one reminder (with a fresh link) after VERIFICATION_REMINDER_HOURS, then `expired`
 * after UNVERIFIED_EXPIRY_DAYS, so unverified requests never pile up; and the receipt where the law
 * wants one. Each request is its own transaction: one bad row cannot block the rest, and a rerun
 * after a crash repeats nothing.
 */
export async function sweepUnverified(deps: RequestDeps): Promise<SweepResult> {
  const now = deps.now();
  const { reminderHours, expiryDays } = deps.config.verification;
  const result: SweepResult = { reminded: 0, expired: 0, acknowledged: 0, skipped: 0 };
  const ctx = (requestId: string) => ({
    i18n: deps.i18n,
    orgName: deps.config.orgName,
    publicUrl: deps.config.publicUrl,
    statusUrl: statusUrl(deps.config, requestId, now),
  });

  // A request verified or cancelled between the select and its transaction is simply skipped.
  const each = async (
    rows: RequestRow[],
    work: (request: RequestRow) => Promise<boolean>,
    count: keyof SweepResult,
  ) => {
    for (const request of rows) {
      try {
        if (await work(request)) result[count]++;
      } catch (error) {
        if (!(error instanceof AppError && ['STALE_VERSION', 'ILLEGAL_TRANSITION'].includes(error.code))) {
          throw error;
        }
        result.skipped++;
      }
    }
  };

  const expireBefore = new Date(now.getTime() - expiryDays * 24 * 3600 * 1000);
  await each(
    await findUnverifiedToExpire(deps.db, expireBefore, batch),
    (request) =>
      deps.db.transaction(async (tx) => {
        const updated = await transitionRequest(tx, {
          request,
          action: 'expire',
          actor: 'system',
          actorId: 'system',
          now,
          data: { afterDays: expiryDays },
          clock: deps.config.clock,
        });
        await queueMail(tx, deps.jobs, requestEmail(ctx(request.id), updated, 'expired'));
        return true;
      }),
    'expired',
  );

  const remindBefore = new Date(now.getTime() - reminderHours * 3600 * 1000);
  await each(
    await findUnverifiedToRemind(deps.db, remindBefore, batch),
    (request) =>
      deps.db.transaction(async (tx) => {
        if (!(await markOnce(tx, request.id, 'remindedAt', now))) return false;
        const verify = await issueVerificationToken(tx, deps, request.id, now);
        const hours = deps.config.verification.tokenHours;
        await queueMail(
          tx,
          deps.jobs,
          requestEmail(ctx(request.id), request, 'reminder', { verifyUrl: verify.url, hours }),
        );
        await appendAuditEvent(tx, {
          requestId: request.id,
          kind: 'verification.reminded',
          actor: 'system',
          at: now,
        });
        return true;
      }),
    'reminded',
  );

  const acknowledgeBefore = new Date(now.getTime() - acknowledgeUnverifiedAfterMs);
  await each(
    await findUnacknowledged(deps.db, acknowledgeBefore, batch),
    (request) =>
      deps.db.transaction(async (tx) => {
        if (!(await markOnce(tx, request.id, 'acknowledgedAt', now))) return false;
        await recordClockEvent(tx, request, { kind: 'acknowledged', at: now }, deps.config.clock);
        await queueMail(tx, deps.jobs, requestEmail(ctx(request.id), request, 'receipt'));
        await appendAuditEvent(tx, {
          requestId: request.id,
          kind: 'request.acknowledged',
          actor: 'system',
          at: now,
        });
        return true;
      }),
    'acknowledged',
  );
  return result;
}
