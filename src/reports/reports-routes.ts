import { Router } from 'express';
import type { Views } from '../http/views.ts';
import { requirePermission, type StaffCookie, staffAuth } from '../staff/staff-auth.ts';
import type { StaffDeps } from '../staff/staff-service.ts';
import { loadDashboard } from './dashboard-service.ts';
import { dashboardPageModel } from './dashboard-view.ts';
import { metricsPageModel, renderMetricsCsv } from './metrics-format.ts';
import { buildMetricsReport, type ReportDeps } from './metrics-service.ts';
import { parseMetricsQuery } from './reports-schemas.ts';

export type ReportRouteDeps = {
  reports: ReportDeps;
  staff: StaffDeps;
  views: Views;
  cookie: StaffCookie;
  /** The law's name for the page's law filter. */
  lawTitle(law: string): string;
};

/**
 * §7102 metrics and the DPO dashboard: JSON for Bearer tokens, pages and the CSV for the session.
 * Aggregates only, yet DPO and admin only (reports.view): support works single requests.
 */
export function reportRoutes(deps: ReportRouteDeps): Router {
  const router = Router();
  const auth = staffAuth(deps.staff, deps.cookie);
  const canView = requirePermission('reports.view');

  router.get('/api/v1/staff/reports/metrics', auth, canView, async (req, res) => {
    res.json(await buildMetricsReport(deps.reports, parseMetricsQuery(req.query)));
  });

  router.get('/api/v1/staff/dashboard', auth, canView, async (_req, res) => {
    res.json(await loadDashboard(deps.reports));
  });

  router.get('/staff/reports', auth, canView, async (req, res) => {
    const report = await buildMetricsReport(deps.reports, parseMetricsQuery(req.query));
    res
      .type('html')
      .send(deps.views.render('reports/metrics-page', metricsPageModel(deps.views, report, deps.lawTitle)));
  });

  router.get('/staff/reports/metrics.csv', auth, canView, async (req, res) => {
    const report = await buildMetricsReport(deps.reports, parseMetricsQuery(req.query));
    res
      .type('text/csv; charset=utf-8')
      .attachment(`rightsdesk-metrics-${report.year}-${report.law}.csv`)
      .send(renderMetricsCsv(report));
  });

  router.get('/staff/dashboard', auth, canView, async (_req, res) => {
    const dashboard = await loadDashboard(deps.reports);
    res.type('html').send(deps.views.render('reports/dashboard', dashboardPageModel(deps.views, dashboard)));
  });
  return router;
}
