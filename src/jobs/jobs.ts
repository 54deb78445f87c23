import { type SQL, sql } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import type { Database, Executor, SqlResult } from '../db/client.ts';
import { toDriverValues } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { concurrency, type JobPayloads, type QueueName, queues, schedules } from './queues.ts';

export type JobsOptions = {
  /** Seconds between polls for new jobs (pg-boss minimum 0.5). */
  pollingIntervalSeconds?: number;
  /** Run maintenance and cron scheduling in this process (workers do; pure web processes need not). */
  supervise?: boolean;
  /** Overrides per queue, e.g. short retry delays in tests. */
  queueOverrides?: Partial<Record<QueueName, Partial<Omit<PgBoss.Queue, 'name'>>>>;
  /**
   * Schedules from configuration, beside the fixed ones: a cron (UTC) applies it; undefined removes
   * one an earlier start applied (pg-boss keeps schedules in the database).
   */
  schedules?: Partial<Record<QueueName, string | undefined>>;
};

type Handler<Q extends QueueName> = (
  data: JobPayloads[Q],
  /** expireInSeconds: this job's own expiry, as set by the process that enqueued it. */
  job: { id: string; retryCount: number; expireInSeconds: number | undefined },
) => Promise<void>;

export interface Jobs {
  start(): Promise<void>;
  /** Enqueues inside the caller's transaction: the job exists exactly when the transaction commits. */
  enqueue<Q extends QueueName>(executor: Executor, queue: Q, data: JobPayloads[Q]): Promise<void>;
  work<Q extends QueueName>(queue: Q, handler: Handler<Q>): Promise<void>;
  /** Attempts after the first a job of this queue gets (its policy with overrides applied). */
  retryLimit(queue: QueueName): number;
  /** Stops fetching, waits for running handlers up to timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
  readonly boss: PgBoss;
}

/** pg-boss speaks "$1, $2" text; drizzle numbers its own parameters, so rebuild the text as a drizzle SQL. */
export function toDrizzleSql(text: string, values: unknown[]): SQL {
  const chunks: SQL[] = [];
  const driverValues = toDriverValues(values);
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)));
    chunks.push(sql`${sql.param(driverValues[Number(match[1]) - 1])}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

export function executorAdapter(executor: Executor): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []): Promise<SqlResult> {
      const result = (await executor.execute(toDrizzleSql(text, values))) as unknown;
      // postgres.js returns the rows array; PGlite returns { rows }.
      return { rows: Array.isArray(result) ? result : ((result as SqlResult).rows ?? []) };
    },
  };
}

export function createJobs(database: Database, logger: Logger, options: JobsOptions = {}): Jobs {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => database.executeSql(text, values) },
    supervise: options.supervise ?? true,
    schedule: options.supervise ?? true,
    migrate: true,
  });
  boss.on('error', (error) => logger.error({ err: error }, 'job system error'));
  const queueOptions = (name: QueueName) => ({ ...queues[name], ...options.queueOverrides?.[name] });
  const polling = Math.max(0.5, options.pollingIntervalSeconds ?? 2);
  let started = false;
  // Handlers still running when pg-boss's own stop gives up: the database must outlive them.
  const active = new Set<Promise<void>>();

  return {
    boss,
    async start() {
      if (started) return;
      await boss.start();
      for (const name of Object.keys(queues) as QueueName[]) {
        const existing = await boss.getQueue(name);
        if (existing) await boss.updateQueue(name, { ...queueOptions(name), name });
        else await boss.createQueue(name, { ...queueOptions(name), name });
      }
      if (options.supervise ?? true) {
        for (const [name, cron] of Object.entries({ ...schedules, ...options.schedules })) {
          if (cron) await boss.schedule(name, cron, {});
          else await boss.unschedule(name);
        }
      }
      started = true;
    },
    retryLimit: (queue) => queueOptions(queue).retryLimit ?? 0,
    async enqueue(executor, queue, data) {
      await boss.send(queue, data as object, { ...queueOptions(queue), db: executorAdapter(executor) });
    },
    async work(queue, handler) {
      for (let i = 0; i < concurrency[queue]; i++) {
        let workerId = '';
        workerId = await boss.work<JobPayloads[typeof queue]>(
          queue,
          { pollingIntervalSeconds: polling, batchSize: 1, includeMetadata: true },
          async ([job]) => {
            if (!job) return;
            const run = handler(job.data, {
              id: job.id,
              retryCount: (job as { retryCount?: number }).retryCount ?? 0,
              // EXTRACT(epoch …) is numeric: postgres.js hands it over as text.
              expireInSeconds: finiteOrUndefined(Number(job.expireInSeconds)),
            });
            active.add(run);
            try {
              await run;
            } finally {
              active.delete(run);
            }
            // A job done: fetch the next at once, not a polling interval later, so a backlog (the
            // outbox after a burst of requests) drains at the handlers' speed. After a failure the
            // handler waits as before: its retry is not due yet anyway.
            boss.notifyWorker(workerId);
          },
        );
      }
    },
    async stop(timeoutMs = 8000) {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs });
      if (active.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const cap = new Promise((resolve) => {
          timer = setTimeout(resolve, 2000);
        });
        await Promise.race([Promise.allSettled([...active]), cap]);
        clearTimeout(timer);
      }
    },
  };
}

/** A missing expiry (another pg-boss version) must fall back to the queue's setting, not become NaN. */
const finiteOrUndefined = (n: number) => (Number.isFinite(n) ? n : undefined);
