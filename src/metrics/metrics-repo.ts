import { eq, inArray, sql } from 'drizzle-orm';
import { pgSchema, text } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { outbox } from '../db/schema.ts';

// pg-boss's own table, read-only: declared here (not in db/schema.ts) so drizzle-kit never migrates it.
const pgboss = pgSchema('pgboss');
const job = pgboss.table('job', { name: text('name').notNull(), state: text('state').notNull() });

/** The job states worth watching: waiting, waiting to retry, running, and out of retries. */
export const watchedJobStates = ['created', 'retry', 'active', 'failed'] as const;
export type WatchedJobState = (typeof watchedJobStates)[number];

export type JobCount = { queue: string; state: WatchedJobState; total: number };

/**
 * Jobs per queue and state in one GROUP BY. Completed jobs are left out (they are most of the table);
 * failed ones stay until pg-boss archives them (12 hours after they failed).
 */
export async function countJobs(ex: Executor): Promise<JobCount[]> {
  const rows = await ex
    .select({ queue: job.name, state: sql<string>`${job.state}::text`, total: sql<number>`count(*)::int` })
    .from(job)
    .where(inArray(job.state, [...watchedJobStates]))
    .groupBy(job.name, job.state);
  return rows as JobCount[];
}

export type OutboxCounts = { pending: number; failing: number };

/** Unsent emails, and those whose last attempt failed: read through outbox_status_idx. */
export async function countOutbox(ex: Executor): Promise<OutboxCounts> {
  const [row] = await ex
    .select({
      pending: sql<number>`count(*)::int`,
      failing: sql<number>`(count(*) filter (where ${outbox.lastError} is not null))::int`,
    })
    .from(outbox)
    .where(eq(outbox.status, 'pending'));
  return { pending: row?.pending ?? 0, failing: row?.failing ?? 0 };
}
