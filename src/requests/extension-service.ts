import { checkExtension } from '../deadlines/index.ts';
import { AppError } from '../http/app-error.ts';
import { queueMail } from '../mail/mail-service.ts';
import { statusUrl } from './links.ts';
import { currentClock, recordClockEvent } from './request-clock.ts';
import type { RequestDeps } from './request-deps.ts';
import { requestEmail } from './request-emails.ts';
import { recordRequestAction } from './request-transition.ts';
import { findRequestByReference } from './requests-repo.ts';
import { isOpen } from './transitions.ts';

export type ExtendInput = { reference: string; version: number; reason: string; actorId: string };

/**
 * Extends the response period once, only on or before `extensionNoticeBy`, with a reason; the
 * notice to the subject (reason and new date) is queued in the same transaction.
 */
export async function extendRequest(deps: RequestDeps, input: ExtendInput) {
  const reason = input.reason.trim();
  if (reason.length < 10) {
    throw new AppError(
      'VALIDATION_FAILED',
      'A reason of at least 10 characters is required: the subject is told it.',
      [{ path: 'reason', message: 'required (at least 10 characters)' }],
    );
  }
  const request = await findRequestByReference(deps.db, input.reference);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `Request ${input.reference} does not exist.`);
  if (!isOpen(request.status))
    throw new AppError('REQUEST_CLOSED', `Request ${request.reference} is ${request.status}.`);
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const clock = await currentClock(tx, request, deps.config.clock);
    const check = checkExtension(clock, now.toISOString());
    if (!check.ok) throw new AppError('EXTENSION_REFUSED', check.message);
    const updated = await recordRequestAction(tx, {
      request,
      version: input.version,
      kind: 'request.extend',
      actorId: input.actorId,
      now,
      patch: { extendedAt: now },
      data: { extendedDueBy: check.extendedDueBy },
    });
    const extended = await recordClockEvent(
      tx,
      updated,
      { kind: 'extended', at: now, reason },
      deps.config.clock,
    );
    const ctx = {
      i18n: deps.i18n,
      orgName: deps.config.orgName,
      publicUrl: deps.config.publicUrl,
      statusUrl: statusUrl(deps.config, request.id, now),
    };
    await queueMail(
      tx,
      deps.jobs,
      requestEmail(ctx, { ...updated, dueBy: extended.dueBy }, 'extension', { reason }),
    );
    return {
      ...updated,
      dueBy: extended.dueBy,
      safeDueBy: extended.safeDueBy,
      extendedDueBy: extended.extendedDueBy,
    };
  });
}
