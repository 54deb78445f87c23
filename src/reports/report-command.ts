import type { Command } from 'commander';
import type { Db } from '../db/client.ts';
import { createViews } from '../http/views.ts';
import { renderMetricsCsv, renderMetricsHtml } from './metrics-format.ts';
import { buildMetricsReport } from './metrics-service.ts';
import { lawFilter, metricsOptions } from './reports-schemas.ts';

/** Exit code for a bad option, as `deadline` uses; 1 stays for configuration and runtime errors. */
export const REPORT_INPUT_EXIT_CODE = 2;

export type OpenReportDatabase = () => Promise<{
  db: Db;
  timeZone: string;
  orgName: string;
  close(): Promise<void>;
}>;

/**
 * Adds `report metrics --year YYYY --format json|csv|html [--law LAW]`, printing the §7102 metrics to
 * stdout (JSON as GET /api/v1/staff/reports/metrics answers, CSV one row per type, HTML one page).
 */
export function registerReportCommand(program: Command, open: OpenReportDatabase): void {
  const report = program.command('report').description('reports for the regulator and the board');
  report
    .command('metrics')
    .description('11 CCR §7102 request metrics of one calendar year, per request type')
    .option('--year <year>', 'calendar year in ORG_TIMEZONE (default: this year)')
    .option('--format <format>', 'json, csv or html (default: json)')
    .option('--law <law>', 'only requests under this law, e.g. ccpa (default: all laws)')
    .showHelpAfterError(false)
    .action(async function (this: Command, options: Record<string, string | undefined>) {
      const parsed = metricsOptions.safeParse(
        Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      );
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        this.error(`error: --${String(issue?.path[0] ?? 'option')}: ${issue?.message ?? 'invalid'}`, {
          exitCode: REPORT_INPUT_EXIT_CODE,
          code: 'rightsdesk.report.input',
        });
        return;
      }
      const { year, law, format } = parsed.data;
      const database = await open();
      let output: string;
      try {
        const deps = { db: database.db, now: () => new Date(), timeZone: database.timeZone };
        const metrics = await buildMetricsReport(deps, { year, law: lawFilter(law) });
        output =
          format === 'csv'
            ? renderMetricsCsv(metrics)
            : format === 'html'
              ? renderMetricsHtml(createViews({ orgName: database.orgName }), metrics)
              : `${JSON.stringify(metrics, null, 2)}\n`;
      } finally {
        await database.close();
      }
      const write = this.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      write(output);
    });
}
