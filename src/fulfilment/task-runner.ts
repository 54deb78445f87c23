import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Tx } from '../db/client.ts';
import type { FulfilmentTaskRow, RequestRow } from '../db/schema.ts';
import { queueMail } from '../mail/mail-service.ts';
import { statusUrl } from '../requests/links.ts';
import { transitionRequest } from '../requests/request-transition.ts';
import { findRequestById } from '../requests/requests-repo.ts';
import { completionEmail } from './completion-email.ts';
import type { Correction, FulfilmentAction, Receipt, RecordSink } from './connector.ts';
import type { FulfilmentDeps } from './fulfilment-deps.ts';
import {
  clearCollectedRecords,
  findTask,
  findWaitingTask,
  insertCollectedRecords,
  listTasks,
  lockRequest,
  replaceCollectedRecords,
  settleTask,
  startAttempt,
} from './tasks-repo.ts';

/** How a source that answered 202 reports back through its signed callback. */
export type CallbackResult =
  | { ok: true; receipt: Receipt; records?: Record<string, Record<string, unknown>[]> }
  | { ok: false; error: string };

/** A failure no retry can fix (the source is gone from the configuration). */
export class PermanentTaskError extends Error {}

type Outcome = { ok: true; receipt: Receipt } | { ok: false; error: string };

// Errors are shown to the DPO and kept on the task: short, and never the stack.
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

export function recordSink(deps: Pick<FulfilmentDeps, 'db'>, taskId: string): RecordSink {
  return {
    write: (collection, rows) => insertCollectedRecords(deps.db, taskId, collection, rows),
  };
}

/** The corrections staff accepted (or the subject's as filed when nobody has decided: approval accepts them). */
export function acceptedCorrections(request: RequestRow): Correction[] {
  return (request.corrections ?? [])
    .filter((c) => c.decision !== 'rejected')
    .map((c) => ({ field: c.field, value: c.value }));
}

/**
 * One attempt at one task (a fulfilment.task job). Settled tasks and requests no longer processing
 * are skipped, so duplicate jobs are harmless. A thrown error means "retry me" to pg-boss; the last
 * allowed attempt fails the task and the request instead.
 */
export async function runTask(
  deps: FulfilmentDeps,
  taskId: string,
  retryCount: number,
  /**
   * The expiry pg-boss applies to this job (set by whoever enqueued it, which may be another process
   * with another policy). A stale attempt is judged by it: judged by a longer one of our own, the
   * retry of a job whose worker died found the task "still running", skipped it, and left it so.
   */
  expireInSeconds = deps.attemptExpirySeconds,
): Promise<'done' | 'waiting' | 'failed' | 'skipped'> {
  const task = await findTask(deps.db, taskId);
  if (!task || !['pending', 'running'].includes(task.status)) return 'skipped';
  const request = await findRequestById(deps.db, task.requestId);
  if (request?.status !== 'processing') return 'skipped';
  const now = deps.now();
  // An attempt older than the job's expiry belongs to a process that died: it may be taken over.
  const staleBefore = new Date(now.getTime() - expireInSeconds * 1000);
  const claimed = await startAttempt(deps.db, taskId, now, staleBefore);
  if (!claimed) return 'skipped';
  try {
    const connector = deps.connectors.get(task.source);
    if (!connector) throw new PermanentTaskError(`source "${task.source}" is no longer configured`);
    if (task.action === 'access') await clearCollectedRecords(deps.db, taskId);
    const result = await connector.run({
      taskId,
      requestId: request.id,
      reference: request.reference,
      action: task.action,
      subject: { email: request.subjectEmail, name: request.subjectName },
      corrections: task.action === 'rectify' ? acceptedCorrections(request) : [],
      records: recordSink(deps, taskId),
      now: deps.now(),
    });
    if (result.state === 'waiting') {
      await deps.db.transaction(async (tx) => {
        if (await settleTask(tx, taskId, ['running'], { status: 'waiting' }, deps.now()))
          await audit(tx, task, 'fulfilment.task_waiting', {});
      });
      return 'waiting';
    }
    await finishTask(deps, task, ['running'], { ok: true, receipt: result.receipt });
    return 'done';
  } catch (error) {
    const message = describe(error);
    // pg-boss's count and our own agree unless a job expired mid-run; either one reaching the limit ends it.
    const last = retryCount >= deps.retryLimit || claimed.attempts > deps.retryLimit;
    if (error instanceof PermanentTaskError || last) {
      await finishTask(deps, task, ['running'], { ok: false, error: message });
      return 'failed';
    }
    await settleTask(deps.db, taskId, ['running'], { status: 'pending', error: message }, deps.now());
    // The message stays on the task (for the DPO); pg-boss keeps job output, so it gets none of it.
    throw new Error(`task ${taskId} attempt ${retryCount + 1} failed; see the task's last error`);
  }
}

/**
 * Settles the waiting task of (source, reference, action) with what the source reported; completes
 * or fails the request when it was the last one. 'not_waiting' when no such task waits (unknown
 * reference, already settled): the caller answers 404/409 without saying which.
 */
export async function settleWaitingTask(
  deps: FulfilmentDeps,
  input: { source: string; reference: string; action: FulfilmentAction; result: CallbackResult },
): Promise<'settled' | 'not_waiting'> {
  const task = await findWaitingTask(deps.db, input);
  if (!task) return 'not_waiting';
  const { result } = input;
  const records = result.ok && task.action === 'access' ? result.records : undefined;
  // Records go in with the settlement, in its transaction: a second callback racing this one settles
  // nothing and writes nothing.
  const settled = await finishTask(
    deps,
    task,
    ['waiting', 'running'],
    result.ok ? { ok: true, receipt: result.receipt } : { ok: false, error: result.error.slice(0, 500) },
    records ? (tx) => replaceCollectedRecords(tx, task.id, records) : undefined,
  );
  return settled ? 'settled' : 'not_waiting';
}

/**
 * Records a task's end and moves the request on, in one transaction under the request's row lock:
 * a failure fails the request (staff see the error and can retry); the last success completes it.
 */
export async function finishTask(
  deps: FulfilmentDeps,
  task: FulfilmentTaskRow,
  from: FulfilmentTaskRow['status'][],
  outcome: Outcome,
  /** Writes that belong to the settlement (a callback's records), done only if this call settles it. */
  alongside?: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const request = await lockRequest(tx, task.requestId);
    const to = outcome.ok
      ? { status: 'done' as const, receipt: outcome.receipt }
      : { status: 'failed' as const, error: outcome.error };
    if (!request || !(await settleTask(tx, task.id, from, to, now))) return false;
    await alongside?.(tx);
    await audit(
      tx,
      task,
      outcome.ok ? 'fulfilment.task_done' : 'fulfilment.task_failed',
      outcome.ok ? counts(outcome.receipt) : {},
    );
    if (request.status !== 'processing') return true;
    if (!outcome.ok) {
      await transitionRequest(tx, {
        request,
        action: 'fail',
        actor: 'system',
        actorId: 'system',
        now,
        clock: deps.config.clock,
        data: { source: task.source },
      });
      return true;
    }
    const tasks = await listTasks(tx, request.id);
    if (!tasks.every((t) => t.status === 'done')) return true;
    // Access hands its records to the export bundle; the bundle job completes the request.
    if (request.type === 'access') await deps.jobs.enqueue(tx, 'exports.build', { requestId: request.id });
    else await completeFulfilledRequest(tx, deps, request, now);
    return true;
  });
}

/**
 * processing → completed with the completion email (what was done per source, what was kept and
 * why, and for access the download link). The caller holds the request's row lock.
 */
export async function completeFulfilledRequest(
  tx: Tx,
  deps: Pick<FulfilmentDeps, 'jobs' | 'config' | 'i18n'>,
  request: RequestRow,
  now: Date,
  download?: { url: string; until: string },
) {
  const tasks = await listTasks(tx, request.id);
  const completed = await transitionRequest(tx, {
    request,
    action: 'complete',
    actor: 'system',
    actorId: 'system',
    now,
    clock: deps.config.clock,
    data: { tasks: tasks.length },
  });
  const ctx = {
    i18n: deps.i18n,
    orgName: deps.config.orgName,
    statusUrl: statusUrl(deps.config, request.id, now),
    ...(download ? { download } : {}),
  };
  await queueMail(tx, deps.jobs, completionEmail(ctx, completed, tasks));
  return completed;
}

// Counts only: receipts' row numbers are facts about the processing, not personal data.
function counts(receipt: Receipt) {
  const total = (key: 'found' | 'deleted' | 'masked' | 'updated' | 'retained') =>
    receipt.collections.reduce((n, c) => n + (c[key] ?? 0), 0);
  return {
    found: total('found'),
    deleted: total('deleted'),
    masked: total('masked'),
    updated: total('updated'),
    retained: total('retained'),
  };
}

function audit(tx: Tx, task: FulfilmentTaskRow, kind: string, data: Record<string, unknown>) {
  return appendAuditEvent(tx, {
    requestId: task.requestId,
    kind,
    actor: 'system',
    data: { taskId: task.id, source: task.source, action: task.action, ...data },
    at: new Date(),
  });
}
