import type { Views } from '../http/views.ts';
import { type Dashboard, dashboardStatuses, type OpenStatus } from './dashboard-service.ts';
import { typeLabels } from './metrics-format.ts';
import { reportTypes } from './metrics-service.ts';
import { barChart, type Pattern, type Series } from './svg-chart.ts';

const statusLabels: Record<OpenStatus, string> = {
  unverified: 'Unverified',
  pending_review: 'Pending review',
  awaiting_subject: 'Awaiting subject',
  approved: 'Approved',
  processing: 'Processing',
  failed: 'Failed',
};

// Dark enough for 3:1 against white; the pattern and the legend tell the types apart, not the hue.
const typeStyle: Record<(typeof reportTypes)[number], { colour: string; pattern: Pattern }> = {
  access: { colour: '#1f4e79', pattern: 'solid' },
  erase: { colour: '#a33b00', pattern: 'stripes' },
  rectify: { colour: '#2d6a2e', pattern: 'dots' },
  opt_out: { colour: '#5b2a86', pattern: 'cross' },
};

const shortDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const weekLabel = (monday: string) => shortDate.format(new Date(`${monday}T12:00:00Z`));

export function onTimeText(onTime: Dashboard['onTime']): string {
  return onTime.percent === null
    ? 'no request closed yet'
    : `${onTime.percent}% (${onTime.onTime} of ${onTime.closed})`;
}

/** The dashboard page: the numbers of loadDashboard as they are, two charts and their tables. */
export function dashboardPageModel(views: Views, dashboard: Dashboard) {
  const chart = (input: Parameters<typeof barChart>[0]) =>
    views.render('reports/bar-chart', barChart(input), { layout: false });
  const statusRows = dashboardStatuses.map((key) => ({
    key,
    label: statusLabels[key],
    count: dashboard.open.byStatus[key],
  }));
  const series: Series[] = reportTypes.map((key) => ({ key, label: typeLabels[key], ...typeStyle[key] }));
  const weekRows = dashboard.weekly.map((w) => ({
    weekStart: w.weekStart,
    label: `Week of ${weekLabel(w.weekStart)}`,
    short: weekLabel(w.weekStart),
    cells: reportTypes.map((t) => w[t]),
    total: w.total,
  }));
  const busiest = [...dashboard.weekly].sort((a, b) => b.total - a.total)[0];
  return {
    title: 'Dashboard',
    today: dashboard.today,
    timeZone: dashboard.timeZone,
    open: dashboard.open.total,
    overdue: dashboard.overdue,
    dueThisWeek: dashboard.dueThisWeek,
    onTime: { ...dashboard.onTime, text: onTimeText(dashboard.onTime) },
    statusRows,
    statusChart: chart({
      id: 'chart-open',
      title: 'Open requests by status',
      desc: `${dashboard.open.total} open requests: ${statusRows.map((r) => `${r.label} ${r.count}`).join(', ')}.`,
      series: [{ key: 'open', label: 'Open requests', colour: '#1f4e79', pattern: 'solid' }],
      rows: statusRows.map((r) => ({ label: r.label, values: [r.count] })),
    }),
    typeColumns: reportTypes.map((key) => ({ key, label: typeLabels[key] })),
    weekRows,
    weeklyChart: chart({
      id: 'chart-weekly',
      title: `Requests received per week, by type, last ${dashboard.weekly.length} weeks`,
      desc: `${dashboard.weekly.reduce((n, w) => n + w.total, 0)} requests in ${dashboard.weekly.length} weeks from the week of ${weekRows[0]?.short ?? ''}; the busiest week was that of ${busiest ? weekLabel(busiest.weekStart) : ''} with ${busiest?.total ?? 0}. Bars are stacked by type in the order of the legend; the table below gives every number.`,
      series,
      rows: weekRows.map((w) => ({ label: w.short, values: w.cells })),
    }),
    notes: dashboard.notes,
  };
}
