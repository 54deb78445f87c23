import { startFulfilment } from '../fulfilment/fulfilment-start.ts';
import { AppError } from '../http/app-error.ts';
import type { RequestDeps } from '../requests/request-deps.ts';
import { recordRequestAction, transitionRequest } from '../requests/request-transition.ts';
import { isOpen } from '../requests/transitions.ts';
import { can, type Permission } from '../staff/permissions.ts';
import type { StaffIdentity } from '../staff/staff-service.ts';
import { findRequestsByReferences } from './queue-repo.ts';
import type { BulkAction } from './queue-schemas.ts';

export type BulkResult = {
  action: BulkAction;
  succeeded: string[];
  failed: { reference: string; reason: string }[];
};

const permissionFor: Record<BulkAction, Permission> = {
  'assign-to-me': 'request.assign',
  approve: 'request.approve',
};

// Expected, per-request failures are reported; anything else is a real error and propagates.
const reportable = ['STALE_VERSION', 'ILLEGAL_TRANSITION', 'REQUEST_CLOSED', 'REQUEST_NOT_FOUND'];

/**
 * Assign-to-me or approve for the selected requests, each in its own transaction through the same
 * transition / action functions as a single request (version check, audit event): one stale or
 * illegal request is reported and the rest go through. The rows are loaded in one query.
 */
export async function runBulkAction(
  deps: RequestDeps,
  staff: StaffIdentity,
  input: { action: BulkAction; items: { reference: string; version: number }[] },
): Promise<BulkResult> {
  const permission = permissionFor[input.action];
  if (!can(staff.role, permission)) {
    throw new AppError('FORBIDDEN', `The ${staff.role} role may not do this (${permission}).`);
  }
  if (input.items.length === 0) throw new AppError('VALIDATION_FAILED', 'Select at least one request.');
  const rows = await findRequestsByReferences(
    deps.db,
    input.items.map((i) => i.reference),
  );
  const byReference = new Map(rows.map((r) => [r.reference, r]));
  const result: BulkResult = { action: input.action, succeeded: [], failed: [] };
  for (const item of input.items) {
    const request = byReference.get(item.reference);
    try {
      if (!request) throw new AppError('REQUEST_NOT_FOUND', `Request ${item.reference} does not exist.`);
      const now = deps.now();
      await deps.db.transaction(async (tx) => {
        if (input.action === 'approve') {
          const approved = await transitionRequest(tx, {
            request,
            action: 'approve',
            actor: staff.role,
            actorId: staff.id,
            version: item.version,
            now,
            data: { via: 'bulk' },
            clock: deps.config.clock,
          });
          return (await startFulfilment(tx, deps, approved, now)).request;
        }
        if (!isOpen(request.status))
          throw new AppError('REQUEST_CLOSED', `Request ${request.reference} is ${request.status}.`);
        return recordRequestAction(tx, {
          request,
          version: item.version,
          kind: 'request.assign',
          actorId: staff.id,
          now,
          patch: { assignee: staff.id },
          data: { assignee: staff.id, via: 'bulk' },
        });
      });
      result.succeeded.push(item.reference);
    } catch (error) {
      if (!(error instanceof AppError && reportable.includes(error.code))) throw error;
      result.failed.push({ reference: item.reference, reason: error.message });
    }
  }
  return result;
}
