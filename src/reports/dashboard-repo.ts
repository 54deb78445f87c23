import { and, gte, lte, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type RequestRow, requests } from '../db/schema.ts';

export type OpenStatusCount = {
  status: RequestRow['status'];
  total: number;
  overdue: number;
  dueThisWeek: number;
};

/**
 * Open requests per status with how many are overdue (safe due date before today) and due from today
 * to the end of the week. The status list is literal, as in the queue: the partial index on open
 * requests serves it.
 */
export async function countOpenByStatus(
  ex: Executor,
  dates: { today: string; weekEnd: string },
): Promise<OpenStatusCount[]> {
  return ex
    .select({
      status: requests.status,
      total: sql<number>`count(*)::int`,
      overdue: sql<number>`(count(*) filter (where ${requests.safeDueBy} < ${dates.today}::date))::int`,
      dueThisWeek: sql<number>`(count(*) filter (where ${requests.safeDueBy} between ${dates.today}::date and ${dates.weekEnd}::date))::int`,
    })
    .from(requests)
    .where(
      sql`${requests.status} in ('unverified', 'pending_review', 'awaiting_subject', 'approved', 'processing', 'failed')`,
    )
    .groupBy(requests.status);
}

export type OnTimeCount = { closed: number; onTime: number };

/**
 * Requests completed or denied in [from, to], and how many of them on or before their due date. The
 * due date is a local date in the request's law time zone (`time_zone`), so the closing instant is read
 * there; `due_by` already is the extended date once a request was extended.
 */
export async function countOnTime(ex: Executor, window: { from: Date; to: Date }): Promise<OnTimeCount> {
  const [row] = await ex
    .select({
      closed: sql<number>`count(*)::int`,
      onTime: sql<number>`(count(*) filter (where timezone(${requests.timeZone}, ${requests.closedAt})::date <= ${requests.dueBy}))::int`,
    })
    .from(requests)
    .where(
      and(
        sql`${requests.status} in ('completed', 'denied')`,
        gte(requests.closedAt, window.from),
        lte(requests.closedAt, window.to),
      ),
    );
  return row ?? { closed: 0, onTime: 0 };
}

export type WeekCount = { weekStart: string; type: RequestRow['type']; count: number };

/** Requests received per week (Monday-based, in `timeZone`) and type since `from`. */
export async function countWeekly(
  ex: Executor,
  window: { from: Date; to: Date; timeZone: string },
): Promise<WeekCount[]> {
  return (
    ex
      .select({
        weekStart: sql<string>`to_char(date_trunc('week', timezone(${window.timeZone}::text, ${requests.receivedAt})), 'YYYY-MM-DD')`,
        type: requests.type,
        count: sql<number>`count(*)::int`,
      })
      .from(requests)
      .where(and(gte(requests.receivedAt, window.from), lte(requests.receivedAt, window.to)))
      // By position: the week expression holds a parameter, which GROUP BY could not match by text.
      .groupBy(sql`1`, sql`2`)
  );
}
