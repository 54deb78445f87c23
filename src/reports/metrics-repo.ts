import { and, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { auditEvents, type RequestRow, requests } from '../db/schema.ts';

export type MetricsScope = { from: Date; to: Date; law?: string; timeZone: string };

export type TypeCounts = {
  type: RequestRow['type'];
  received: number;
  completed: number;
  denied: number;
  expired: number;
  cancelled: number;
  medianDays: number | null;
  meanDays: number | null;
};

export type DenialCount = { type: RequestRow['type']; reason: string; count: number };

const inScope = (s: MetricsScope): SQL | undefined =>
  and(
    gte(requests.receivedAt, s.from),
    lt(requests.receivedAt, s.to),
    s.law ? eq(requests.law, s.law) : undefined,
  );

// A substantive response: the request was completed, denied, or closed unverified (expired, with
// its notice to the subject). Statuses are literals so the expressions carry no parameters.
const responded = sql`${requests.status} in ('completed', 'denied', 'expired')`;

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * One GROUP BY per type over the requests received in the scope: counts per outcome and the median and
 * mean of the calendar days from the local date of receipt to the local date of the response (both in
 * the organisation's time zone; same day = 0), rounded to one decimal.
 */
export async function countByType(ex: Executor, scope: MetricsScope): Promise<TypeCounts[]> {
  const tz = scope.timeZone;
  const days = sql`case when ${responded} then
    (timezone(${tz}::text, ${requests.closedAt})::date - timezone(${tz}::text, ${requests.receivedAt})::date)
  end`;
  const rows = await ex
    .select({
      type: requests.type,
      received: sql<number>`count(*)::int`,
      completed: sql<number>`(count(*) filter (where ${requests.status} = 'completed'))::int`,
      denied: sql<number>`(count(*) filter (where ${requests.status} = 'denied'))::int`,
      expired: sql<number>`(count(*) filter (where ${requests.status} = 'expired'))::int`,
      cancelled: sql<number>`(count(*) filter (where ${requests.status} = 'cancelled'))::int`,
      medianDays: sql<
        number | null
      >`round((percentile_cont(0.5) within group (order by ${days}))::numeric, 1)::float8`,
      meanDays: sql<number | null>`round(avg(${days}), 1)::float8`,
    })
    .from(requests)
    .where(inScope(scope))
    .groupBy(requests.type);
  return rows.map((r) => ({ ...r, medianDays: num(r.medianDays), meanDays: num(r.meanDays) }));
}

/**
 * Refusals per type and reason. Staff denials carry their reason code in the request's `request.deny`
 * audit event (kept by records retention; a request is denied at most once, as `denied` is final);
 * a request never verified is counted as unverifiable.
 */
export async function countDenials(ex: Executor, scope: MetricsScope): Promise<DenialCount[]> {
  const reason = sql<string>`case when ${requests.status} = 'expired' then 'unverifiable'
    else coalesce(${auditEvents.data} ->> 'reason', 'other') end`;
  return (
    ex
      .select({ type: requests.type, reason, count: sql<number>`count(distinct ${requests.id})::int` })
      .from(requests)
      .leftJoin(
        auditEvents,
        and(eq(auditEvents.requestId, requests.id), eq(auditEvents.kind, 'request.deny')),
      )
      .where(and(inScope(scope), sql`${requests.status} in ('denied', 'expired')`))
      // By position: the reason expression is not a plain column.
      .groupBy(sql`1`, sql`2`)
  );
}
