import { stringify } from 'csv-stringify/sync';
import { LAW_IDS } from '../deadlines/rules.ts';
import type { Views } from '../http/views.ts';
import { type DenyReason, denyReasons } from '../requests/staff-request-schemas.ts';
import { type MetricsReport, type ReportType, reportTypes, type TypeMetrics } from './metrics-service.ts';

// §7102's own names, short enough for five columns at 360 px; the caption spells them out.
export const typeLabels: Record<ReportType, string> = {
  access: 'Know',
  erase: 'Delete',
  rectify: 'Correct',
  opt_out: 'Opt-out',
};

const reasonLabels: Record<DenyReason, string> = {
  unverifiable: 'identity could not be verified',
  manifestly_unfounded_or_excessive: 'manifestly unfounded or excessive',
  exemption_applies: 'an exemption applies',
  not_a_consumer: 'not a consumer',
  other: 'other reason',
};

type Row = { key: string; label: string; sub?: boolean; value: (m: TypeMetrics) => number | null };

const rows: Row[] = [
  { key: 'received', label: 'Received', value: (m) => m.received },
  {
    key: 'compliedWholeOrPart',
    label: 'Complied with in whole or in part',
    value: (m) => m.compliedWholeOrPart,
  },
  { key: 'denied', label: 'Denied', value: (m) => m.denied },
  ...denyReasons.map((r) => ({
    key: `denied.${r}`,
    label: `Denied: ${reasonLabels[r]}`,
    sub: true,
    value: (m: TypeMetrics) => m.deniedByReason[r],
  })),
  { key: 'withdrawn', label: 'Withdrawn (cancelled)', value: (m) => m.withdrawn },
  { key: 'open', label: 'Still open', value: (m) => m.open },
  { key: 'medianDays', label: 'Median days to a substantive response', value: (m) => m.medianDays },
  { key: 'meanDays', label: 'Mean days to a substantive response', value: (m) => m.meanDays },
];

export const metricsHeading = (report: MetricsReport) =>
  `Privacy request metrics for ${report.year} (11 CCR §7102)`;

const lawWords = (law: string) => (law === 'all' ? 'all laws' : `law: ${law}`);

/** The metrics table and its notes as an HTML fragment, shared by the staff page and the standalone file. */
export function renderMetricsTable(views: Views, report: MetricsReport): string {
  return views.render(
    'reports/metrics-table',
    {
      caption: `Requests received in ${report.year} (${lawWords(report.law)}), by request type: know (access), delete, correct, opt-out (of sale or sharing)`,
      columns: reportTypes.map((key) => ({ key, label: typeLabels[key] })),
      rows: rows.map((row) => ({
        key: row.key,
        label: row.label,
        sub: row.sub ?? false,
        cells: reportTypes.map((t) => row.value(report.types[t]) ?? 'none'),
      })),
      notes: report.notes,
    },
    { layout: false },
  );
}

/** `report metrics --format html`: one self-contained accessible page (no external stylesheet). */
export function renderMetricsHtml(views: Views, report: MetricsReport): string {
  return views.render(
    'reports/metrics-standalone',
    {
      heading: metricsHeading(report),
      generatedAt: report.generatedAt,
      table: renderMetricsTable(views, report),
    },
    { layout: false },
  );
}

/** One row per request type (RFC 4180); empty median/mean where nothing was answered yet. */
export function renderMetricsCsv(report: MetricsReport): string {
  const header = [
    'year',
    'law',
    'type',
    'received',
    'complied_whole_or_part',
    'denied',
    ...denyReasons.map((r) => `denied_${r}`),
    'withdrawn',
    'open',
    'median_days',
    'mean_days',
  ];
  const body = reportTypes.map((type) => {
    const m = report.types[type];
    return [
      report.year,
      report.law,
      type,
      m.received,
      m.compliedWholeOrPart,
      m.denied,
      ...denyReasons.map((r) => m.deniedByReason[r]),
      m.withdrawn,
      m.open,
      m.medianDays ?? '',
      m.meanDays ?? '',
    ];
  });
  return stringify([header, ...body], { record_delimiter: 'windows' });
}

/** The staff page /staff/reports: the year and law form, the CSV link and the same table. */
export function metricsPageModel(views: Views, report: MetricsReport, lawTitle: (law: string) => string) {
  const params = new URLSearchParams({ year: String(report.year) });
  if (report.law !== 'all') params.set('law', report.law);
  return {
    title: 'Reports',
    heading: metricsHeading(report),
    year: report.year,
    laws: ['all', ...LAW_IDS].map((value) => ({
      value,
      label: value === 'all' ? 'All laws' : lawTitle(value),
      selected: value === report.law,
    })),
    csvHref: `/staff/reports/metrics.csv?${params.toString()}`,
    table: renderMetricsTable(views, report),
  };
}
