import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { type RequestRow, requests, staffAccounts } from '../db/schema.ts';
import { allStatuses, type Cursor } from './queue-schemas.ts';

export type QueueFilter = {
  statuses?: RequestRow['status'][];
  types?: RequestRow['type'][];
  laws?: string[];
  /** A staff id, or null for unassigned requests. */
  assignee?: string | null;
  /** Overdue only: safe_due_by before this date (nulls never match). */
  dueBefore?: string;
  /** Not overdue: safe_due_by on or after this date, or no date. */
  notDueBefore?: string;
  reference?: string;
  /** Lower-cased; matched through the lower(subject_email) expression index. */
  email?: string;
};

const knownStatuses = new Set<string>(allStatuses);

// Statuses are written into the SQL as literals (only known values): a partial index on the open
// queue (see the index advice in bench/queue.ts) is then usable by every plan, even a generic one.
function statusIn(statuses: RequestRow['status'][]): SQL {
  if (statuses.some((s) => !knownStatuses.has(s))) throw new Error('unknown status');
  if (statuses.length === 0) return sql`false`;
  return sql`${requests.status} in (${sql.raw(statuses.map((s) => `'${s}'`).join(', '))})`;
}

function conditions(f: QueueFilter): SQL[] {
  const c: (SQL | undefined)[] = [
    f.statuses ? statusIn(f.statuses) : undefined,
    f.types ? inArray(requests.type, f.types) : undefined,
    f.laws ? inArray(requests.law, f.laws) : undefined,
    f.assignee === null ? isNull(requests.assignee) : undefined,
    f.assignee ? eq(requests.assignee, f.assignee) : undefined,
    f.dueBefore ? lt(requests.safeDueBy, f.dueBefore) : undefined,
    f.notDueBefore ? or(gte(requests.safeDueBy, f.notDueBefore), isNull(requests.safeDueBy)) : undefined,
    f.reference ? eq(requests.reference, f.reference) : undefined,
    f.email ? eq(sql`lower(${requests.subjectEmail})`, f.email) : undefined,
  ];
  return c.filter((x): x is SQL => x !== undefined);
}

/**
 * One page of the queue in one statement: ordered by safe_due_by (nulls last), then id, reading
 * the requests_queue_idx (safe_due_by, id) index in order. After a cursor with a date the page is
 * the rows past it (a row comparison the index can seek to) followed by the dateless rows: a row
 * comparison never matches NULL, so those come from a second, equally indexed branch.
 */
export async function listQueuePage(
  ex: Executor,
  filter: QueueFilter,
  after: Cursor | undefined,
  limit: number,
): Promise<RequestRow[]> {
  const base = conditions(filter);
  const byDue = [asc(requests.safeDueBy), asc(requests.id)];
  if (!after) {
    return ex
      .select()
      .from(requests)
      .where(and(...base))
      .orderBy(...byDue)
      .limit(limit);
  }
  const dateless = ex
    .select()
    .from(requests)
    .where(
      and(
        ...base,
        isNull(requests.safeDueBy),
        after.safeDueBy === null ? gt(requests.id, after.id) : undefined,
      ),
    )
    .orderBy(asc(requests.id))
    .limit(limit);
  if (after.safeDueBy === null) return dateless;
  const dated = ex
    .select()
    .from(requests)
    .where(
      and(
        ...base,
        isNotNull(requests.safeDueBy),
        sql`(${requests.safeDueBy}, ${requests.id}) > (${after.safeDueBy}::date, ${after.id}::uuid)`,
      ),
    )
    .orderBy(...byDue)
    .limit(limit);
  if (filter.dueBefore) return dated; // overdue rows always have a date
  return unionAll(dated, dateless).orderBy(sql`safe_due_by asc nulls last`, sql`id asc`).limit(limit);
}

export type StatusCount = { status: RequestRow['status']; total: number; overdue: number; dueSoon: number };

/** Requests per status with how many are overdue and due soon: one GROUP BY over the table. */
export async function countQueue(ex: Executor, today: string, soonUntil: string): Promise<StatusCount[]> {
  return ex
    .select({
      status: requests.status,
      total: sql<number>`count(*)::int`,
      overdue: sql<number>`(count(*) filter (where ${requests.safeDueBy} < ${today}::date))::int`,
      dueSoon: sql<number>`(count(*) filter (where ${requests.safeDueBy} between ${today}::date and ${soonUntil}::date))::int`,
    })
    .from(requests)
    .groupBy(requests.status);
}

/** The selected requests of a bulk action, in one query. */
export async function findRequestsByReferences(ex: Executor, references: string[]): Promise<RequestRow[]> {
  if (references.length === 0) return [];
  return ex.select().from(requests).where(inArray(requests.reference, references));
}

export type StaffName = { id: string; email: string };

/** Every staff account (a handful), for the assignee filter and column of the queue page. */
export async function listStaffNames(ex: Executor): Promise<StaffName[]> {
  return ex
    .select({ id: staffAccounts.id, email: staffAccounts.email })
    .from(staffAccounts)
    .orderBy(asc(staffAccounts.email));
}
