import { appendAuditEvent } from '../audit/audit-service.ts';
import { queueMail } from '../mail/mail-service.ts';
import { issueVerificationToken } from '../verification/verification-service.ts';
import { statusUrl } from './links.ts';
import type { RequestDeps } from './request-deps.ts';
import { requestEmail } from './request-emails.ts';
import { transitionRequest } from './request-transition.ts';
import { findUnverifiedToExpire, findUnverifiedToRemind, markReminded } from './requests-repo.ts';

const batch = 200;

/**
 * Scheduled: one reminder (with a fresh link) after VERIFICATION_REMINDER_HOURS, then `expired`
 * after UNVERIFIED_EXPIRY_DAYS, so unverified requests never pile up. Each request is its own
 * transaction: one bad row cannot block the rest, and a rerun after a crash repeats nothing.
 */
export async function sweepUnverified(deps: RequestDeps): Promise<{ reminded: number; expired: number }> {
  const now = deps.now();
  const { reminderHours, expiryDays } = deps.config.verification;
  let expired = 0;
  const expireBefore = new Date(now.getTime() - expiryDays * 24 * 3600 * 1000);
  for (const request of await findUnverifiedToExpire(deps.db, expireBefore, batch)) {
    await deps.db.transaction(async (tx) => {
      const updated = await transitionRequest(tx, {
        request,
        action: 'expire',
        actor: 'system',
        actorId: 'system',
        now,
        data: { afterDays: expiryDays },
        clock: deps.config.clock,
      });
      const ctx = emailContext(deps, request.id, now);
      await queueMail(tx, deps.jobs, requestEmail(ctx, updated, 'expired'));
    });
    expired++;
  }
  let reminded = 0;
  const remindBefore = new Date(now.getTime() - reminderHours * 3600 * 1000);
  for (const request of await findUnverifiedToRemind(deps.db, remindBefore, batch)) {
    await deps.db.transaction(async (tx) => {
      if (!(await markReminded(tx, request.id, now))) return;
      const verify = await issueVerificationToken(tx, deps, request.id, now);
      await queueMail(
        tx,
        deps.jobs,
        requestEmail(emailContext(deps, request.id, now), request, 'reminder', {
          verifyUrl: verify.url,
          hours: deps.config.verification.tokenHours,
        }),
      );
      await appendAuditEvent(tx, {
        requestId: request.id,
        kind: 'verification.reminded',
        actor: 'system',
        at: now,
      });
      reminded++;
    });
  }
  return { reminded, expired };
}

function emailContext(deps: RequestDeps, requestId: string, now: Date) {
  return {
    i18n: deps.i18n,
    orgName: deps.config.orgName,
    publicUrl: deps.config.publicUrl,
    statusUrl: statusUrl(deps.config, requestId, now),
  };
}
