import { createHash } from 'node:crypto';
import { ensureWebhookState } from './webhooks-repo.ts';
import { deliverWebhooks, type WebhookDeps } from './webhooks-service.ts';

const DEFAULT_WEBHOOK_INTERVAL_MS = 1000;

export type WebhookDispatcher = { stop(): Promise<void> };

/**
 * Looks for new sealed request events about once a second (worker processes only) and delivers them.
 * Runs never overlap; a failure is logged and tried again on a later tick, never thrown. The timer
 * does not keep the process alive on its own; stop() waits for a running delivery.
 */
function startWebhookDispatcher(
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

/** Webhooks on: the delivery state is there (a new endpoint starts at the chain's tip), then the loop runs. */
export async function startWebhooks(deps: WebhookDeps, intervalMs?: number): Promise<WebhookDispatcher> {
  const endpoint = createHash('sha256').update(deps.settings.url).digest('hex');
  const state = await ensureWebhookState(deps.db, endpoint);
  // The URL itself is never logged: it may carry a receiver's token in its query.
  if (state !== 'resumed') deps.logger.info({ state }, 'webhook delivery starts from the current event');
  return startWebhookDispatcher(deps, intervalMs);
}
