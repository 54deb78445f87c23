import type { Tx } from '../db/client.ts';
import type { RequestRow } from '../db/schema.ts';
import { restartFailedTasks, startFulfilment } from '../fulfilment/fulfilment-start.ts';
import { AppError } from '../http/app-error.ts';
import { queueMail } from '../mail/mail-service.ts';
import { can } from '../staff/permissions.ts';
import type { StaffIdentity } from '../staff/staff-service.ts';
import { extendRequest } from './extension-service.ts';
import { statusUrl } from './links.ts';
import { insertNote } from './notes-repo.ts';
import { clockColumns, recordClockEvent } from './request-clock.ts';
import type { RequestDeps } from './request-deps.ts';
import { type EmailExtra, requestEmail } from './request-emails.ts';
import { recordRequestAction, transitionRequest } from './request-transition.ts';
import { findRequestByReference } from './requests-repo.ts';
import { listAssignableStaff } from './staff-request-repo.ts';
import type { ActionBodies, ActionInput } from './staff-request-schemas.ts';
import { type Action, isOpen } from './transitions.ts';

export type ActingStaff = Pick<StaffIdentity, 'id' | 'role'>;

type Ctx = { tx: Tx; deps: RequestDeps; staff: ActingStaff; request: RequestRow; version: number; now: Date };

const stale = (request: RequestRow) =>
  new AppError(
    'STALE_VERSION',
    `Request ${request.reference} was changed by someone else (now version ${request.version}, status ${request.status}).`,
  );

function transition(
  c: Ctx,
  action: Action,
  extra: Pick<Parameters<typeof transitionRequest>[1], 'patch' | 'data'> = {},
) {
  return transitionRequest(c.tx, {
    request: c.request,
    action,
    actor: c.staff.role,
    actorId: c.staff.id,
    version: c.version,
    now: c.now,
    clock: c.deps.config.clock,
    ...extra,
  });
}

async function mail(c: Ctx, row: RequestRow, kind: Parameters<typeof requestEmail>[2], extra: EmailExtra) {
  const ctx = {
    i18n: c.deps.i18n,
    orgName: c.deps.config.orgName,
    publicUrl: c.deps.config.publicUrl,
    statusUrl: statusUrl(c.deps.config, row.id, c.now),
  };
  await queueMail(c.tx, c.deps.jobs, requestEmail(ctx, row, kind, extra));
}

/** Pauses or resumes the clock; the law's rules decide whether the days count (src/deadlines/events.ts). */
async function clockEvent(c: Ctx, row: RequestRow, kind: 'paused' | 'resumed'): Promise<RequestRow> {
  const state = await recordClockEvent(c.tx, row, { kind, at: c.now }, c.deps.config.clock);
  return { ...row, ...clockColumns(state) };
}

async function assignee(c: Ctx, id: string | null): Promise<void> {
  if (!isOpen(c.request.status))
    throw new AppError('REQUEST_CLOSED', `Request ${c.request.reference} is ${c.request.status}.`);
  if (id === null) return;
  const eligible = await listAssignableStaff(c.tx, ['admin', 'dpo']);
  const found = eligible.find((s) => s.id === id);
  if (!found || !can(found.role, 'request.view'))
    throw new AppError('VALIDATION_FAILED', 'assignee: not an enabled DPO or admin account', [
      { path: 'assignee', message: 'must be an enabled DPO or admin account' },
    ]);
}

type Handlers = {
  [A in Exclude<ActionInput['action'], 'extend'>]: (c: Ctx, body: ActionBodies[A]) => Promise<RequestRow>;
};

const handlers: Handlers = {
  // Approval starts the work at once: approved → processing with one task per source.
  async approve(c) {
    return (await startFulfilment(c.tx, c.deps, await transition(c, 'approve'), c.now)).request;
  },
  async retry(c) {
    const row = await transition(c, 'retry');
    await restartFailedTasks(c.tx, c.deps, row, c.now);
    return row;
  },
  async deny(c, body) {
    const row = await transition(c, 'deny', { data: { reason: body.reason } });
    await mail(c, row, 'denied', { denyReason: body.reason, message: body.message });
    return row;
  },
  async 'request-info'(c, body) {
    // A new question replaces the last one; the answer box starts empty again.
    const row = await transition(c, 'request-info', {
      patch: { infoRequestedMessage: body.message, subjectReply: null },
    });
    const paused = await clockEvent(c, row, 'paused');
    await mail(c, paused, 'info-requested', { message: body.message });
    return paused;
  },
  async resume(c) {
    return clockEvent(c, await transition(c, 'resume', { data: { by: 'staff' } }), 'resumed');
  },
  async cancel(c, body) {
    const row = await transition(c, 'cancel', { data: { by: 'staff' } });
    await mail(c, row, 'cancelled-by-staff', body.message ? { message: body.message } : {});
    return row;
  },
  async assign(c, body) {
    await assignee(c, body.assignee);
    return recordRequestAction(c.tx, {
      request: c.request,
      version: c.version,
      kind: 'request.assign',
      actorId: c.staff.id,
      now: c.now,
      patch: { assignee: body.assignee },
      data: { assignee: body.assignee },
    });
  },
  async note(c, body) {
    // Retention will not come back for this request: a note added now would be kept for ever.
    if (c.request.personalDataErasedAt)
      throw new AppError(
        'REQUEST_CLOSED',
        'Records retention removed this request’s personal data: no new notes.',
      );
    const note = await insertNote(c.tx, {
      requestId: c.request.id,
      authorId: c.staff.id,
      body: body.message,
      createdAt: c.now,
    });
    // Only the note's id: its text may hold personal data, which never enters the audit chain.
    return recordRequestAction(c.tx, {
      request: c.request,
      version: c.version,
      kind: 'request.note',
      actorId: c.staff.id,
      now: c.now,
      data: { noteId: note.id },
    });
  },
};

/**
 * One staff action on one request, with its audit event, clock event and emails in one transaction.
 * The caller has checked the role's permission; the transitions table checks the status.
 */
export async function actOnRequest(
  deps: RequestDeps,
  staff: ActingStaff,
  reference: string,
  input: ActionInput,
): Promise<RequestRow> {
  const request = await findRequestByReference(deps.db, reference);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `Request ${reference} does not exist.`);
  // Version first: a stale form is "someone else changed it", whatever the status has become.
  if (input.body.version !== request.version) throw stale(request);
  if (input.action === 'extend') {
    const { version, reason } = input.body;
    return extendRequest(deps, { reference, version, reason, actorId: staff.id });
  }
  const now = deps.now();
  const { action, body } = input;
  return deps.db.transaction((tx) => {
    const c: Ctx = { tx, deps, staff, request, version: body.version, now };
    return (handlers[action] as (c: Ctx, body: unknown) => Promise<RequestRow>)(c, body);
  });
}
