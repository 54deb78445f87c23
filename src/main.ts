import { Command, Option } from 'commander';
import { registerAuditCommand } from './audit/audit-command.ts';
import { registerBackupCommands } from './backup/backup-command.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { guardUnhandledRejections } from './db/driver-rejections.ts';
import { DataDirLockedError } from './db/lock.ts';
import { migrateDatabase } from './db/migrate.ts';
import { registerDeadlineCommand } from './deadlines/index.ts';
import { registerExportCommand } from './exports/export-command.ts';
import { SourcesConfigError } from './fulfilment/sources-config.ts';
import { createJobs } from './jobs/jobs.ts';
import { createLogger } from './logger.ts';
import { registerReportCommand } from './reports/report-command.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { startServer } from './server.ts';
import { registerStaffCommand } from './staff/staff-command.ts';
import { registerWebhooksCommand } from './webhooks/webhooks-command.ts';

/** Config is parsed once, on first use, so `--help` works even with a broken environment. */
let config: Config | undefined;
const getConfig = () => {
  config ??= loadConfig();
  return config;
};

// A second signal, or a shutdown that hangs, still ends the process within 10 s.
function onShutdown(stop: () => Promise<void>, logger: { info(msg: string): void }): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: shutting down`);
    setTimeout(() => process.exit(1), 10_000).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * SIGHUP is the usual "reload" signal (certbot deploy hooks, systemd ExecReload): it reloads the TLS
 * certificate, and is logged and otherwise ignored, never the default of ending the process.
 */
function onReload(logger: { info(msg: string): void }, reloadCertificate?: () => boolean): void {
  process.on('SIGHUP', () => {
    if (reloadCertificate) reloadCertificate();
    else logger.info('SIGHUP received: no TLS certificate to reload');
  });
}

const program = new Command()
  .name('rightsdesk')
  .description('Privacy rights requests: intake, verification, legal clock, DPO queue, fulfilment, exports.')
  .showHelpAfterError();

program
  .command('serve')
  .description('serve the web app (and, unless --no-worker, run the job worker in-process); migrates first')
  .option('--no-worker', 'do not run job workers in this process')
  .addOption(new Option('--port <port>', 'port to listen on (default: PORT)').argParser((v) => Number(v)))
  .action(async (options: { worker: boolean; port?: number }) => {
    const cfg = getConfig();
    const runtime = await createRuntime(cfg, { worker: options.worker });
    guardUnhandledRejections(runtime.logger);
    const server = await startServer(runtime, options.port ?? cfg.port);
    runtime.logger.info(
      {
        url: cfg.publicUrl,
        port: server.server.address(),
        database: runtime.database.kind,
        worker: options.worker,
      },
      `Rightsdesk listening on ${cfg.publicUrl}`,
    );
    onShutdown(server.stop, runtime.logger);
    onReload(runtime.logger, server.reloadCertificate);
  });

program
  .command('worker')
  .description('run job workers only (scale out with several processes on PostgreSQL)')
  .action(async () => {
    const runtime: Runtime = await createRuntime(getConfig(), { worker: true });
    guardUnhandledRejections(runtime.logger);
    runtime.logger.info({ database: runtime.database.kind }, 'worker started');
    onShutdown(runtime.close, runtime.logger);
    onReload(runtime.logger);
  });

program
  .command('migrate')
  .description('apply database migrations (the app and job tables) and exit')
  .action(async () => {
    const cfg = getConfig();
    const logger = createLogger(cfg.logLevel);
    const database = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
    try {
      await migrateDatabase(database);
      const jobs = createJobs(database, logger, { supervise: false });
      await jobs.start();
      await jobs.stop();
      console.log(`migrated (${database.kind})`);
    } finally {
      await database.close();
    }
  });

/** The configured database, migrated: what the maintenance commands work on. */
async function openMigrated() {
  const cfg = getConfig();
  const database = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  await migrateDatabase(database);
  return { cfg, database, db: database.db, close: () => database.close() };
}

registerDeadlineCommand(program, () => getConfig().clock);
registerExportCommand(program);
registerBackupCommands(program, getConfig);
registerAuditCommand(program, openMigrated);

registerReportCommand(program, async () => {
  const opened = await openMigrated();
  return { ...opened, timeZone: opened.cfg.clock.orgTimeZone, orgName: opened.cfg.orgName };
});

registerWebhooksCommand(program, openMigrated);

registerStaffCommand(program, async () => {
  const opened = await openMigrated();
  return { ...opened, secretKey: opened.cfg.secretKey };
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`rightsdesk: configuration error: ${error.message}`);
  } else if (error instanceof SourcesConfigError) {
    console.error(`rightsdesk: sources file: ${error.message}`);
  } else if (error instanceof DataDirLockedError) {
    console.error(`rightsdesk: ${error.message}`);
  } else {
    console.error(`rightsdesk: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
