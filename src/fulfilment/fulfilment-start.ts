import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/client.ts';
import type { RequestRow } from '../db/schema.ts';
import type { RequestDeps } from '../requests/request-deps.ts';
import { transitionRequest } from '../requests/request-transition.ts';
import { insertTasks, resetFailedTasks } from './tasks-repo.ts';

/**
 * Creates one task per source that can act on the request's type and enqueues their jobs, in the
 * caller's transaction: the tasks exist exactly when the state change commits. Returns the task ids.
 */
export async function createTasks(
  tx: Tx,
  deps: RequestDeps,
  request: RequestRow,
  now: Date,
): Promise<string[]> {
  const tasks = deps.sourcesFor(request.type).map((source) => ({
    id: randomUUID(),
    requestId: request.id,
    source,
    action: request.type,
    now,
  }));
  await Promise.all([
    insertTasks(tx, tasks),
    ...tasks.map((t) => deps.jobs.enqueue(tx, 'fulfilment.task', { taskId: t.id })),
  ]);
  return tasks.map((t) => t.id);
}

/** approved → processing with its tasks: what follows every approval, by staff or in bulk. */
export async function startFulfilment(tx: Tx, deps: RequestDeps, approved: RequestRow, now: Date) {
  const processing = await transitionRequest(tx, {
    request: approved,
    action: 'start',
    actor: 'system',
    actorId: 'system',
    now,
    clock: deps.config.clock,
  });
  const taskIds = await createTasks(tx, deps, processing, now);
  return { request: processing, taskIds };
}

/**
 * A staff retry reruns only the tasks that failed; the ones that finished keep their receipts. When
 * no task failed (an access request whose bundle build failed), the build runs again instead.
 */
export async function restartFailedTasks(tx: Tx, deps: RequestDeps, request: RequestRow, now: Date) {
  const ids = await resetFailedTasks(tx, request.id, now);
  await Promise.all(ids.map((taskId) => deps.jobs.enqueue(tx, 'fulfilment.task', { taskId })));
  if (ids.length === 0 && request.type === 'access')
    await deps.jobs.enqueue(tx, 'exports.build', { requestId: request.id });
  return ids;
}
