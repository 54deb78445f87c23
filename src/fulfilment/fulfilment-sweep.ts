import type { FulfilmentDeps } from './fulfilment-deps.ts';
import { finishTask } from './task-runner.ts';
import { findWaitingSince } from './tasks-repo.ts';

/**
 * A source that answered 202 and never called back would hold its request in `processing`
 * forever: past SOURCE_CALLBACK_HOURS its task fails, so staff see it and can retry.
 */
export async function sweepWaitingTasks(deps: FulfilmentDeps): Promise<{ timedOut: number }> {
  const hours = deps.config.sourceCallbackHours;
  const before = new Date(deps.now().getTime() - hours * 3_600_000);
  let timedOut = 0;
  for (const task of await findWaitingSince(deps.db, before, 500)) {
    const error = `${task.source} did not call back within ${hours} hours`;
    if (await finishTask(deps, task, ['waiting'], { ok: false, error })) timedOut++;
  }
  return { timedOut };
}
