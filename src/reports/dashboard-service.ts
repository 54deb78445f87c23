import { openStatuses } from '../requests/transitions.ts';
import { countOnTime, countOpenByStatus, countWeekly } from './dashboard-repo.ts';
import { type ReportDeps, type ReportType, reportTypes } from './metrics-service.ts';
import { dashboardDates, percent } from './report-dates.ts';

export const dashboardStatuses = openStatuses;
export type OpenStatus = (typeof dashboardStatuses)[number];

export const onTimeDays = 90;
export const dashboardWeeks = 12;

export type WeekRow = Record<ReportType, number> & { weekStart: string; total: number };

export type Dashboard = {
  generatedAt: string;
  timeZone: string;
  today: string;
  open: { total: number; byStatus: Record<OpenStatus, number> };
  dueThisWeek: { from: string; to: string; count: number };
  overdue: number;
  onTime: {
    windowDays: number;
    from: string;
    to: string;
    closed: number;
    onTime: number;
    percent: number | null;
  };
  weekly: WeekRow[];
  notes: string[];
};

function dashboardNotes(timeZone: string): string[] {
  return [
    `Dates are local dates in the organisation's time zone (${timeZone}); weeks run Monday to Sunday.`,
    'Overdue: open requests whose safe due date is before today. Due this week: open requests whose safe due date is from today to Sunday.',
    `On time: of the requests completed or denied in the last ${onTimeDays} days, those closed on or before their due date (the extended date when extended), read in the law's time zone. Cancelled and expired requests are left out.`,
    `Requests per week: every request received, by type, over the last ${dashboardWeeks} weeks (the current week so far).`,
  ];
}

/**
 * Everything the DPO dashboard shows, in three GROUP BY queries. The page and GET /api/v1/staff/dashboard
 * both call this one function, so their numbers cannot disagree.
 */
export async function loadDashboard(deps: ReportDeps): Promise<Dashboard> {
  const now = deps.now();
  const dates = dashboardDates(now, deps.timeZone, { weeks: dashboardWeeks, onTimeDays });
  const byStatus = Object.fromEntries(dashboardStatuses.map((s) => [s, 0])) as Record<OpenStatus, number>;
  let total = 0;
  let overdue = 0;
  let dueThisWeek = 0;
  for (const row of await countOpenByStatus(deps.db, { today: dates.today, weekEnd: dates.weekEnd })) {
    if (!(dashboardStatuses as readonly string[]).includes(row.status)) continue;
    byStatus[row.status as OpenStatus] = row.total;
    total += row.total;
    overdue += row.overdue;
    dueThisWeek += row.dueThisWeek;
  }
  const closed = await countOnTime(deps.db, { from: dates.onTimeFrom, to: now });
  const weekly = new Map<string, WeekRow>(
    dates.weeks.map((weekStart) => [
      weekStart,
      { weekStart, access: 0, erase: 0, rectify: 0, opt_out: 0, total: 0 },
    ]),
  );
  for (const row of await countWeekly(deps.db, { from: dates.weeksFrom, to: now, timeZone: deps.timeZone })) {
    const week = weekly.get(row.weekStart);
    if (!week || !(reportTypes as readonly string[]).includes(row.type)) continue;
    week[row.type] += row.count;
    week.total += row.count;
  }
  return {
    generatedAt: now.toISOString(),
    timeZone: deps.timeZone,
    today: dates.today,
    open: { total, byStatus },
    dueThisWeek: { from: dates.today, to: dates.weekEnd, count: dueThisWeek },
    overdue,
    onTime: {
      windowDays: onTimeDays,
      from: dates.onTimeFrom.toISOString(),
      to: now.toISOString(),
      closed: closed.closed,
      onTime: closed.onTime,
      percent: percent(closed.onTime, closed.closed),
    },
    weekly: [...weekly.values()],
    notes: dashboardNotes(deps.timeZone),
  };
}
