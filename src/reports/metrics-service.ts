import type { Executor } from '../db/client.ts';
import { type DenyReason, denyReasons } from '../requests/staff-request-schemas.ts';
import { countByType, countDenials } from './metrics-repo.ts';
import { yearBounds, yearIn } from './report-dates.ts';
import type { MetricsQuery } from './reports-schemas.ts';
import { lawFilter } from './reports-schemas.ts';

/** The §7102 request kinds in the regulation's order: know, delete, correct, opt-out of sale/sharing. */
export const reportTypes = ['access', 'erase', 'rectify', 'opt_out'] as const;
export type ReportType = (typeof reportTypes)[number];

export type TypeMetrics = {
  received: number;
  compliedWholeOrPart: number;
  denied: number;
  deniedByReason: Record<DenyReason, number>;
  /** Cancelled by the subject or by staff: received, neither complied with nor denied. */
  withdrawn: number;
  /** Not closed when the report was made. */
  open: number;
  medianDays: number | null;
  meanDays: number | null;
};

export type MetricsReport = {
  year: number;
  /** A law id, or `all`. */
  law: string;
  timeZone: string;
  generatedAt: string;
  notes: string[];
  types: Record<ReportType, TypeMetrics>;
};

export type ReportDeps = { db: Executor; now: () => Date; timeZone: string };

const emptyMetrics = (): TypeMetrics => ({
  received: 0,
  compliedWholeOrPart: 0,
  denied: 0,
  deniedByReason: Object.fromEntries(denyReasons.map((r) => [r, 0])) as Record<DenyReason, number>,
  withdrawn: 0,
  open: 0,
  medianDays: null,
  meanDays: null,
});

/** The definitions behind the numbers, printed with every report (JSON notes, CSV comment, HTML list). */
export function metricsNotes(year: number, law: string, timeZone: string): string[] {
  return [
    `Received in ${year}: requests whose receipt falls in calendar year ${year} in the organisation's time zone (${timeZone}). A request received in ${year} and answered in ${year + 1} counts in ${year}, its response time included.`,
    'Complied with in whole or in part: requests completed (every data source carried out; for an access request, the data sent).',
    'Denied: requests refused by staff, by the reason recorded, plus requests whose identity could never be verified (closed as expired after the verification period, the subject told): those are reported as denied as unverifiable.',
    'Withdrawn (cancelled by the consumer, or by staff) and still-open requests count as received only.',
    `Days to a substantive response: calendar days from the date of receipt to the date of completion or denial, both dates in ${timeZone} (answered the day received = 0), over the requests received in ${year} that were complied with or denied when the report was made. Median and mean are rounded to one decimal; none = no response yet.`,
    law === 'all'
      ? 'Includes all individuals, not only California consumers (requests under every law Rightsdesk handles), as 11 CCR §7102 allows when stated.'
      : `Only requests handled under the law "${law}".`,
  ];
}

/** The 11 CCR §7102 metrics of one calendar year: two GROUP BY queries, whatever the number of requests. */
export async function buildMetricsReport(deps: ReportDeps, query: MetricsQuery): Promise<MetricsReport> {
  const now = deps.now();
  const year = query.year ?? yearIn(now, deps.timeZone);
  const only = lawFilter(query.law);
  const law = only ?? 'all';
  const scope = {
    ...yearBounds(year, deps.timeZone),
    timeZone: deps.timeZone,
    ...(only ? { law: only } : {}),
  };
  const generatedAt = now.toISOString();
  const types = Object.fromEntries(reportTypes.map((t) => [t, emptyMetrics()])) as Record<
    ReportType,
    TypeMetrics
  >;
  for (const row of await countByType(deps.db, scope)) {
    const m = types[row.type];
    const closed = row.completed + row.denied + row.expired + row.cancelled;
    Object.assign(m, {
      received: row.received,
      compliedWholeOrPart: row.completed,
      denied: row.denied + row.expired,
      withdrawn: row.cancelled,
      open: row.received - closed,
      medianDays: row.medianDays,
      meanDays: row.meanDays,
    });
  }
  for (const row of await countDenials(deps.db, scope)) {
    const reason: DenyReason = (denyReasons as readonly string[]).includes(row.reason)
      ? (row.reason as DenyReason)
      : 'other';
    types[row.type].deniedByReason[reason] += row.count;
  }
  const notes = metricsNotes(year, law, deps.timeZone);
  return { year, law, timeZone: deps.timeZone, generatedAt, notes, types };
}
