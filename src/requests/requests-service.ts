import { randomUUID } from 'node:crypto';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Tx } from '../db/client.ts';
import type { RequestRow } from '../db/schema.ts';
import { computeDeadline, type LawId, lawRule } from '../deadlines/index.ts';
import { createTasks } from '../fulfilment/fulfilment-start.ts';
import { queueMail } from '../mail/mail-service.ts';
import { gpcSuppression, recordSuppression } from '../suppression/suppression-service.ts';
import { insertVerificationToken } from '../verification/verification-repo.ts';
import { prepareVerificationToken } from '../verification/verification-service.ts';
import { statusUrl } from './links.ts';
import { newReference } from './reference.ts';
import type { RequestDeps } from './request-deps.ts';
import { requestEmail } from './request-emails.ts';
import { insertClockEvent, insertRequest } from './requests-repo.ts';
import type { CreateRequestBody } from './requests-schemas.ts';

export type SubmitResult = { reference: string; status: RequestRow['status'] };

const uniqueViolation = (error: unknown) => {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.code === '23505' || e.cause?.code === '23505';
};

/**
 * Intake: one transaction creates the request, its clock, its audit event and its first email.
 * The answer never depends on whether the email is known (no enumeration).
 */
export async function submitRequest(
  deps: RequestDeps,
  input: CreateRequestBody,
  meta: { channel: 'web' | 'api'; locale: string; gpc?: boolean },
): Promise<SubmitResult> {
  const now = deps.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.db.transaction((tx) => createInTransaction(tx, deps, input, meta, now));
    } catch (error) {
      // A reference collision (1 in ~10^11) just draws a new one.
      if (!uniqueViolation(error) || attempt >= 3) throw error;
    }
  }
}

async function createInTransaction(
  tx: Tx,
  deps: RequestDeps,
  input: CreateRequestBody,
  meta: { channel: 'web' | 'api'; locale: string; gpc?: boolean },
  now: Date,
): Promise<SubmitResult> {
  const clock = computeDeadline(
    { law: input.law, type: input.type, received: now.toISOString() },
    deps.config.clock,
  );
  // opt_out needs no identity verification (CCPA §7026(d)) and no approval: it is carried out at once.
  const status: RequestRow['status'] = input.type === 'opt_out' ? 'processing' : 'unverified';
  // Ids are made here, not by the database, so every row of the intake goes in one pipelined batch.
  const request: RequestRow = {
    id: randomUUID(),
    reference: newReference(deps.random),
    type: input.type,
    law: input.law,
    status,
    locale: meta.locale,
    subjectEmail: input.email,
    subjectName: input.name || null,
    details: input.details || null,
    corrections: input.corrections ?? null,
    receivedAt: now,
    timeZone: clock.timeZone,
    receivedOn: clock.receivedOn,
    // The clock of a lone 'received' event is exactly the contract's computation.
    acknowledgeBy: clock.acknowledgeBy,
    dueBy: clock.dueBy,
    safeDueBy: clock.safeDueBy,
    extensionNoticeBy: clock.extensionNoticeBy,
    extendedDueBy: clock.extendedDueBy,
    extendedAt: null,
    verifiedAt: null,
    remindedAt: null,
    acknowledgedAt: null,
    closedAt: null,
    assignee: null,
    infoRequestedMessage: null,
    subjectReply: null,
    personalDataErasedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const emailCtx = {
    i18n: deps.i18n,
    orgName: deps.config.orgName,
    publicUrl: deps.config.publicUrl,
    statusUrl: statusUrl(deps.config, request.id, now),
  };
  const verify = status === 'unverified' ? prepareVerificationToken(deps, request.id, now) : undefined;
  const email = verify
    ? requestEmail(emailCtx, request, 'verify', {
        verifyUrl: verify.url,
        hours: deps.config.verification.tokenHours,
      })
    : requestEmail(emailCtx, request, 'opt-out');
  // A Global Privacy Control signal (Sec-GPC: 1) opts out of sale/sharing where the law says so (CCPA §7025;
  // the universal opt-out mechanisms of Colorado, Connecticut, Texas, Oregon and Montana).
  const gpc = meta.gpc
    ? gpcSuppression({
        secretKey: deps.config.secretKey,
        signal: lawRule(input.law as LawId, deps.config.clock).optOutSignal,
        email: input.email,
        requestId: request.id,
        now,
      })
    : undefined;
  // In array order: the request row first, as the others refer to it.
  await Promise.all([
    insertRequest(tx, request),
    gpc ? recordSuppression(tx, gpc) : undefined,
    insertClockEvent(tx, { requestId: request.id, kind: 'received', at: now }),
    // opt_out is carried out at once: its tasks start with the request.
    status === 'processing' ? createTasks(tx, deps, request, now) : undefined,
    verify ? insertVerificationToken(tx, verify.row) : undefined,
    queueMail(tx, deps.jobs, email),
    appendAuditEvent(tx, {
      requestId: request.id,
      kind: 'request.received',
      actor: 'subject',
      data: {
        type: input.type,
        law: input.law,
        channel: meta.channel,
        status,
        locale: meta.locale,
        ...(gpc ? { gpc: true } : {}),
      },
      at: now,
    }),
  ]);
  return { reference: request.reference, status };
}
