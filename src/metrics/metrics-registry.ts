import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Executor } from '../db/client.ts';
import { queues } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { allStatuses } from '../queue/queue-schemas.ts';
import { queueCounts } from '../queue/queue-service.ts';
import { webhookBacklog } from '../webhooks/webhooks-repo.ts';
import { countJobs, countOutbox, watchedJobStates } from './metrics-repo.ts';

export type MetricsDeps = {
  db: Executor;
  now: () => Date;
  logger: Logger;
  /** WEBHOOK_URL is set: the webhook backlog gauges exist (off, they would only ever say 0). */
  webhooks?: boolean;
};

export type Metrics = {
  /** This process's own registry: apps in one process (tests) never share series. */
  registry: Registry;
  /** Sends that failed in this process (workers); the outbox gauges see every process. */
  emailSendFailures: Counter;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
};

/** One load per scrape, however many gauges read it: gauges collect concurrently. */
function perScrape<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/**
 * A gauge set at scrape time from the database. A failed query resets it (no series) rather than
 * repeat stale numbers; the scrape itself still answers with the process metrics.
 */
function databaseGauge<L extends string, T>(
  registry: Registry,
  deps: MetricsDeps,
  spec: { name: string; help: string; labelNames?: readonly L[] },
  load: () => Promise<T>,
  apply: (gauge: Gauge<L>, value: T) => void,
): void {
  const gauge: Gauge<L> = new Gauge<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames ?? [],
    registers: [registry],
    async collect() {
      try {
        apply(gauge, await load());
      } catch (error) {
        gauge.reset();
        deps.logger.warn(
          { err: { message: (error as Error).message }, metric: spec.name },
          'metric not collected',
        );
      }
    },
  });
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = perScrape(() => queueCounts(deps));
  databaseGauge(
    registry,
    deps,
    { name: 'rightsdesk_requests', help: 'Requests by status', labelNames: ['status'] },
    requests,
    (gauge, counts) => {
      for (const status of allStatuses) gauge.set({ status }, counts.byStatus[status] ?? 0);
    },
  );
  databaseGauge(
    registry,
    deps,
    { name: 'rightsdesk_requests_overdue', help: 'Open requests past their safe due date (UTC today)' },
    requests,
    (gauge, counts) => gauge.set(counts.overdue),
  );

  const queueNames = Object.keys(queues);
  databaseGauge(
    registry,
    deps,
    {
      name: 'rightsdesk_jobs',
      help: 'Jobs by queue and state (failed: out of retries, kept about 12 h until archived)',
      labelNames: ['queue', 'state'],
    },
    () => countJobs(deps.db),
    (gauge, rows) => {
      gauge.reset();
      for (const queue of queueNames) for (const state of watchedJobStates) gauge.set({ queue, state }, 0);
      // Only our queues: pg-boss's internal ones would add labels nobody asked for.
      for (const row of rows)
        if (queueNames.includes(row.queue)) gauge.set({ queue: row.queue, state: row.state }, row.total);
    },
  );

  const outbox = perScrape(() => countOutbox(deps.db));
  databaseGauge(
    registry,
    deps,
    { name: 'rightsdesk_outbox_pending', help: 'Emails in the outbox not sent yet' },
    outbox,
    (gauge, counts) => gauge.set(counts.pending),
  );
  databaseGauge(
    registry,
    deps,
    { name: 'rightsdesk_outbox_failing', help: 'Unsent emails whose last delivery attempt failed' },
    outbox,
    (gauge, counts) => gauge.set(counts.failing),
  );

  if (deps.webhooks) webhookGauges(registry, deps);

  return {
    registry,
    emailSendFailures: new Counter({
      name: 'rightsdesk_email_send_failures_total',
      help: 'Email delivery attempts that failed in this process (each is retried)',
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'rightsdesk_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

function webhookGauges(registry: Registry, deps: MetricsDeps): void {
  const webhooks = perScrape(() => webhookBacklog(deps.db));
  databaseGauge(
    registry,
    deps,
    {
      name: 'rightsdesk_webhook_undelivered',
      help: 'Sealed request events not yet delivered to WEBHOOK_URL',
    },
    webhooks,
    (gauge, backlog) => (backlog ? gauge.set(backlog.undelivered) : gauge.reset()),
  );
  databaseGauge(
    registry,
    deps,
    {
      name: 'rightsdesk_webhook_failed_attempts',
      help: 'Failed tries in a row of the event at the head of the webhook queue (0 while deliveries succeed)',
    },
    webhooks,
    (gauge, backlog) => (backlog ? gauge.set(backlog.attempts) : gauge.reset()),
  );
}
