import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Tx } from '../db/client.ts';
import type { RequestRow } from '../db/schema.ts';
import type { ClockSettings } from '../deadlines/index.ts';
import { AppError } from '../http/app-error.ts';
import { recordClockEvent } from './request-clock.ts';
import { findRequestById, type RequestPatch, updateRequestAtVersion } from './requests-repo.ts';
import { type Action, type Actor, checkTransition, closedStatuses } from './transitions.ts';

export type TransitionInput = {
  request: RequestRow;
  action: Action;
  actor: Actor;
  /** Staff account id or 'subject' / 'system': what the audit trail names. */
  actorId: string;
  /** The version the caller saw; defaults to the loaded row's (internal callers that just read it). */
  version?: number;
  now: Date;
  patch?: RequestPatch;
  /** Non-personal facts for the audit event (reason codes, ids). */
  data?: Record<string, unknown>;
  clock: ClockSettings;
};

/**
 * The one way to change a request's status: checks the transitions table and the actor,
 * bumps `version` (a stale version is a 409), closes the clock when the request closes and
 * appends the audit event, all in the caller's transaction.
 */
export async function transitionRequest(tx: Tx, input: TransitionInput): Promise<RequestRow> {
  const { request, action, actor, now } = input;
  const check = checkTransition(action, request.status, actor);
  if (!check.ok) {
    throw check.reason === 'role'
      ? new AppError('FORBIDDEN', `Your role may not ${action} requests.`)
      : new AppError(
          'ILLEGAL_TRANSITION',
          `A request that is ${request.status} cannot be moved by "${action}".`,
        );
  }
  const closing = closedStatuses.includes(check.to);
  const updated = await updateRequestAtVersion(
    tx,
    request.id,
    input.version ?? request.version,
    { ...input.patch, status: check.to, ...(closing ? { closedAt: now } : {}) },
    now,
  );
  if (!updated) {
    const current = await findRequestById(tx, request.id);
    if (!current) throw new AppError('REQUEST_NOT_FOUND', `Request ${request.reference} does not exist.`);
    throw new AppError(
      'STALE_VERSION',
      `Request ${request.reference} was changed by someone else (now version ${current.version}, status ${current.status}).`,
    );
  }
  if (closing) await recordClockEvent(tx, updated, { kind: 'closed', at: now }, input.clock);
  await appendAuditEvent(tx, {
    requestId: request.id,
    kind: `request.${action}`,
    actor: input.actorId,
    data: { from: request.status, to: check.to, version: updated.version, ...input.data },
    at: now,
  });
  return updated;
}

/**
 * A change to a request that is not a status change (extension, note, assignment): the same
 * version check and audit event as a transition, without touching the lifecycle.
 */
export async function recordRequestAction(
  tx: Tx,
  input: Omit<TransitionInput, 'action' | 'clock' | 'actor'> & { kind: string },
): Promise<RequestRow> {
  const { request, now } = input;
  const updated = await updateRequestAtVersion(
    tx,
    request.id,
    input.version ?? request.version,
    { ...input.patch },
    now,
  );
  if (!updated) {
    const current = await findRequestById(tx, request.id);
    if (!current) throw new AppError('REQUEST_NOT_FOUND', `Request ${request.reference} does not exist.`);
    throw new AppError(
      'STALE_VERSION',
      `Request ${request.reference} was changed by someone else (now version ${current.version}, status ${current.status}).`,
    );
  }
  await appendAuditEvent(tx, {
    requestId: request.id,
    kind: input.kind,
    actor: input.actorId,
    data: { version: updated.version, ...input.data },
    at: now,
  });
  return updated;
}
