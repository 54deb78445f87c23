import { listRequestEvents } from '../audit/audit-service.ts';
import type { AuditEventRow, RequestRow } from '../db/schema.ts';
import { AppError } from '../http/app-error.ts';
import { queueMail } from '../mail/mail-service.ts';
import { readToken } from '../verification/tokens.ts';
import { statusUrl } from './links.ts';
import { clockColumns, recordClockEvent } from './request-clock.ts';
import type { RequestDeps } from './request-deps.ts';
import { requestEmail } from './request-emails.ts';
import { transitionRequest } from './request-transition.ts';
import { findRequestById } from './requests-repo.ts';
import { isOpen } from './transitions.ts';

// What the subject may see of the audit trail: milestones, never notes or staff detail.
const publicKinds: Record<string, string> = {
  'request.received': 'timeline.received',
  'verification.resent': 'timeline.resent',
  'request.verify': 'timeline.verified',
  'request.acknowledged': 'timeline.acknowledged',
  'request.approve': 'timeline.approved',
  'request.request-info': 'timeline.infoRequested',
  'request.resume': 'timeline.resumed',
  'request.extend': 'timeline.extended',
  'request.start': 'timeline.processing',
  'request.complete': 'timeline.completed',
  'request.deny': 'timeline.denied',
  'request.cancel': 'timeline.cancelled',
  'request.expire': 'timeline.expired',
};

/** The milestones of a request's audit trail that its subject (and support, for them) may see. */
export function publicTimeline(events: Pick<AuditEventRow, 'kind' | 'at'>[]): { key: string; at: Date }[] {
  return events.flatMap((e) => (publicKinds[e.kind] ? [{ key: publicKinds[e.kind]!, at: e.at }] : []));
}

export type StatusView = {
  request: RequestRow;
  open: boolean;
  timeline: { key: string; at: Date }[];
};

async function requestFromStatusToken(deps: RequestDeps, token: string): Promise<RequestRow> {
  const claims = readToken(deps.config.secretKey, token, 'status', deps.now());
  if (claims.expired) throw new AppError('TOKEN_EXPIRED', 'This status link has expired.');
  const request = await findRequestById(deps.db, claims.rid);
  if (!request) throw new AppError('TOKEN_INVALID', 'This link is not valid.');
  return request;
}

export async function getStatus(deps: RequestDeps, token: string): Promise<StatusView> {
  const request = await requestFromStatusToken(deps, token);
  const events = await listRequestEvents(deps.db, request.id);
  return { request, open: isOpen(request.status), timeline: publicTimeline(events) };
}

/** The subject withdraws the request from its status page; they get a confirmation email. */
export async function cancelByStatusToken(
  deps: RequestDeps,
  token: string,
  version: number,
): Promise<RequestRow> {
  const request = await requestFromStatusToken(deps, token);
  if (!isOpen(request.status)) {
    throw new AppError('REQUEST_CLOSED', `Request ${request.reference} is already ${request.status}.`);
  }
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const updated = await transitionRequest(tx, {
      request,
      action: 'cancel',
      actor: 'subject',
      actorId: 'subject',
      version,
      now,
      data: { by: 'subject' },
      clock: deps.config.clock,
    });
    const link = statusUrl(deps.config, request.id, now);
    await queueMail(
      tx,
      deps.jobs,
      requestEmail(
        { i18n: deps.i18n, orgName: deps.config.orgName, publicUrl: deps.config.publicUrl, statusUrl: link },
        updated,
        'cancelled',
      ),
    );
    return updated;
  });
}

/**
 * The subject answers staff's question from their status page: the answer is stored, the request
 * goes back to review and the clock resumes (where the law stopped it), in one transaction.
 */
export async function replyByStatusToken(
  deps: RequestDeps,
  token: string,
  input: { version: number; reply: string },
): Promise<RequestRow> {
  const request = await requestFromStatusToken(deps, token);
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const updated = await transitionRequest(tx, {
      request,
      action: 'resume',
      actor: 'subject',
      actorId: 'subject',
      version: input.version,
      now,
      patch: { subjectReply: input.reply },
      // The answer itself is personal data: it stays on the request, out of the audit chain.
      data: { by: 'subject' },
      clock: deps.config.clock,
    });
    const state = await recordClockEvent(tx, updated, { kind: 'resumed', at: now }, deps.config.clock);
    return { ...updated, ...clockColumns(state) };
  });
}
