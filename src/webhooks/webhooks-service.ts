import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import {
  claimWebhookLease,
  hasUndeliveredEvents,
  markWebhookDelivered,
  markWebhookFailed,
  releaseWebhookLease,
  undeliveredEvents,
  type WebhookEvent,
} from './webhooks-repo.ts';
import type { WebhookSettings } from './webhooks-settings.ts';
import { signWebhook } from './webhooks-signature.ts';

export type WebhookDeps = {
  db: Db;
  now: () => Date;
  logger: Logger;
  settings: WebhookSettings;
  /** Aborted at shutdown: a POST in flight is given up and the event stays at the head, uncounted. */
  signal?: AbortSignal;
};

const TIMEOUT_MS = 10_000;
const BATCH = 50;
/** 5 s, 10 s, 20 s … doubling up to an hour between tries; events are never dropped. */
export const webhookBackoffMs = (attempts: number) => Math.min(5000 * 2 ** (attempts - 1), 3_600_000);

// Staff are named by role only: an event stream leaving the organisation needs no account ids.
const actorOf = (actor: string) => (actor === 'subject' || actor === 'system' ? actor : 'staff');
/** The event's own record, with the one staff account id it can hold (an assignment) made a yes/no. */
function detailsOf(data: Record<string, unknown>): Record<string, unknown> {
  if (!('assignee' in data)) return data;
  const { assignee, ...rest } = data;
  return { ...rest, assigned: assignee !== null && assignee !== undefined };
}
/**
 * From the sealed event's hash, unique in the chain: a database id would come round again after a
 * restore from backup, and receivers deduplicating by id would drop the new events.
 */
const webhookId = (event: Pick<WebhookEvent, 'hash'>) => `evt_${event.hash.slice(0, 32)}`;

/** The Standard Webhooks payload: type, timestamp, data. No email, name or free text: references and codes. */
function webhookBody(event: WebhookEvent): string {
  return JSON.stringify({
    type: event.kind,
    timestamp: event.at.toISOString(),
    data: {
      seq: event.seq,
      actor: actorOf(event.actor),
      request: event.request,
      details: detailsOf(event.data),
    },
  });
}

async function post(deps: WebhookDeps, event: WebhookEvent): Promise<string | undefined> {
  const id = webhookId(event);
  const body = webhookBody(event);
  // The wall clock, not the app's: receivers refuse a signature more than a few minutes from their own time.
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const res = await fetch(deps.settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rightsdesk-Webhooks',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(deps.settings.key, id, timestamp, body),
      },
      body,
      // A redirect could carry the signed event somewhere nobody configured.
      redirect: 'manual',
      signal: deps.signal
        ? AbortSignal.any([deps.signal, AbortSignal.timeout(TIMEOUT_MS)])
        : AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    return e.cause?.code ?? e.name ?? 'network error';
  }
}

/**
 * Delivers sealed request events to WEBHOOK_URL in chain order, at least once (receivers dedupe by
 * `webhook-id`). One worker process at a time holds the lease; a failure stops the run, keeps the
 * cursor on the failed event and backs off, so nothing is skipped and order is kept.
 */
export async function deliverWebhooks(deps: WebhookDeps): Promise<{ delivered: number; failed?: string }> {
  if (!(await hasUndeliveredEvents(deps.db))) return { delivered: 0 };
  const token = randomUUID();
  const claim = await claimWebhookLease(deps.db, token, deps.now());
  if (!claim) return { delivered: 0 };
  let delivered = 0;
  let cursor = claim.lastSeq;
  let attempts = claim.attempts;
  try {
    run: for (;;) {
      const events = await undeliveredEvents(deps.db, cursor, BATCH);
      for (const event of events) {
        // Shutting down: the event stays at the head for the next run, not counted as a failure.
        if (deps.signal?.aborted) break run;
        const failed = await post(deps, event);
        if (failed && deps.signal?.aborted) break run;
        if (failed) {
          attempts++;
          const retryAt = new Date(deps.now().getTime() + webhookBackoffMs(attempts));
          await markWebhookFailed(deps.db, token, attempts, retryAt, failed);
          deps.logger.warn(
            { seq: event.seq, reason: failed, attempts, retryAt },
            'webhook delivery failed; will retry',
          );
          return { delivered, failed };
        }
        if (!(await markWebhookDelivered(deps.db, token, cursor, event.seq, deps.now()))) {
          // This run stalled past its lease and another worker took over: it goes on from there.
          deps.logger.warn({ seq: event.seq }, 'webhook lease lost to another worker; stopping this run');
          return { delivered };
        }
        cursor = event.seq;
        attempts = 0;
        delivered++;
      }
      if (events.length < BATCH) break;
    }
    await releaseWebhookLease(deps.db, token);
    if (delivered > 0) deps.logger.debug({ delivered, seq: cursor }, 'webhook events delivered');
    return { delivered };
  } catch (error) {
    // A database failure mid-run: the lease lapses by itself if this cannot be written either.
    await releaseWebhookLease(deps.db, token).catch(() => {});
    throw error;
  }
}
