import { ensureWebhookState } from './webhooks-repo.ts';
import { deliverWebhooks, type WebhookDeps } from './webhooks-service.ts';

export const DEFAULT_WEBHOOK_INTERVAL_MS = 1000;

export type WebhookDispatcher = { stop(): Promise<void> };

/**
 * Looks for new sealed request events about once a second (worker processes only) and delivers them.
 * Runs never overlap; a failure is logged and tried again on a later tick, never thrown. The timer
 * does not keep the process alive on its own; stop() waits for a running delivery.
 */
export function startWebhookDispatcher(
  deps: WebhookDeps,
  intervalMs = DEFAULT_WEBHOOK_INTERVAL_MS,
): WebhookDispatcher {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const stopping = new AbortController();
  const tick = async () => {
    try {
      await deliverWebhooks({ ...deps, signal: stopping.signal });
    } catch (error) {
      deps.logger.error({ err: error }, 'webhook delivery run failed; retrying on the next tick');
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      stopping.abort();
      await running;
    },
  };
}

/** Webhooks on: the delivery state row exists (cursor at the chain's tip the first time), then the loop runs. */
export async function startWebhooks(deps: WebhookDeps, intervalMs?: number): Promise<WebhookDispatcher> {
  await ensureWebhookState(deps.db);
  return startWebhookDispatcher(deps, intervalMs);
}
