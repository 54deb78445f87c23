import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AuditVerification } from '../audit/audit-service.ts';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { createLogger } from '../logger.ts';
import { BACKUP_EXIT, BackupInvalidError, BackupRefusedError } from './backup-errors.ts';
import { createBackup, POSTGRES_BACKUP_HINT } from './backup-service.ts';
import { restoreBackup } from './restore-service.ts';

const chainText = (chain: AuditVerification) =>
  chain.ok
    ? `audit chain verified: yes (${chain.events} sealed events${chain.unsealed ? `, ${chain.unsealed} not yet sealed` : ''})`
    : `audit chain verified: NO (broken at event ${chain.brokenAt.id}: ${chain.brokenAt.reason})`;

/** Refusals exit 2 and a damaged backup exits 1, each with one line on stderr; nothing else changed. */
async function guarded(command: Command, run: () => Promise<void>, lockedHint: string): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      command.error(
        `rightsdesk: ${error.message.replace(/ PGlite is single-process:.*$/, '')} ${lockedHint}`,
        {
          exitCode: BACKUP_EXIT.refused,
        },
      );
    }
    if (error instanceof BackupRefusedError)
      command.error(`rightsdesk: ${error.message}`, { exitCode: BACKUP_EXIT.refused });
    if (error instanceof BackupInvalidError)
      command.error(`rightsdesk: ${error.message}`, { exitCode: BACKUP_EXIT.invalid });
    throw error;
  }
}

/** `backup --out FILE` and `restore FILE` for the embedded database (PGlite). */
export function registerBackupCommands(program: Command, getConfig: () => Config): void {
  program
    .command('backup')
    .description(
      'write a checked backup of the embedded database (stopped server only: a running one backs itself up on BACKUP_SCHEDULE)',
    )
    .requiredOption('--out <file>', 'the backup file to write (never overwritten)')
    .showHelpAfterError(false)
    .action(async function (this: Command, options: { out: string }) {
      const cfg = getConfig();
      const hint =
        'A running server makes its own backups: set BACKUP_SCHEDULE (e.g. "0 2 * * *") and restart it, or stop it and run rightsdesk backup again.';
      await guarded(
        this,
        async () => {
          if (cfg.databaseUrl) throw new BackupRefusedError(`rightsdesk backup: ${POSTGRES_BACKUP_HINT}`);
          // Opening an empty directory would create a fresh database: there is nothing to back up.
          if (!existsSync(path.join(cfg.dataDir, 'pglite', 'PG_VERSION'))) {
            throw new BackupRefusedError(
              `no embedded database in ${cfg.dataDir} (DATA_DIR): nothing to back up`,
            );
          }
          const database = await openDatabase({ dataDir: cfg.dataDir });
          try {
            const result = await createBackup(
              { database, secretKey: cfg.secretKey, now: () => new Date() },
              path.resolve(options.out),
            );
            process.stdout.write(
              `backup written and verified: ${result.file} (${result.bytes} bytes)\n` +
                `  sha256 ${result.manifest.archive.sha256}\n` +
                `  migration level: ${result.manifest.migrations.last ?? 'none'}\n` +
                `  requests: ${result.check.requests}, audit events: ${result.check.auditEvents}\n` +
                `  ${chainText(result.check.auditChain)}\n`,
            );
          } finally {
            await database.close();
          }
        },
        hint,
      );
    });

  program
    .command('restore')
    .description('restore a backup into DATA_DIR (new and empty unless --force), then migrate and check it')
    .argument('<file>', 'a file written by rightsdesk backup or by BACKUP_SCHEDULE')
    .option('--force', 'restore although DATA_DIR holds a database (it is moved aside, not deleted)')
    .option('--new-secret-key', 'restore although SECRET_KEY is not the key the backup was made under')
    .showHelpAfterError(false)
    .action(async function (
      this: Command,
      file: string,
      options: { force?: boolean; newSecretKey?: boolean },
    ) {
      const cfg = getConfig();
      await guarded(
        this,
        async () => {
          if (cfg.databaseUrl) throw new BackupRefusedError(`rightsdesk restore: ${POSTGRES_BACKUP_HINT}`);
          const result = await restoreBackup({
            file: path.resolve(file),
            dataDir: cfg.dataDir,
            secretKey: cfg.secretKey,
            force: options.force === true,
            newSecretKey: options.newSecretKey === true,
            logger: createLogger(cfg.logLevel),
            now: () => new Date(),
          });
          const { manifest, check, migrations, movedAside } = result;
          process.stdout.write(
            `restored ${file} (made ${manifest.createdAt} by Rightsdesk ${manifest.rightsdesk}) into ${cfg.dataDir}\n` +
              (movedAside ? `  the database that was there is now ${movedAside}\n` : '') +
              `  migrations: ${manifest.migrations.last ?? 'none'} → ${migrations.last ?? 'none'}\n` +
              `  requests: ${check.requests}, audit events: ${check.auditEvents}\n` +
              `  ${chainText(check.auditChain)}\n`,
          );
        },
        'Stop the server before restoring into its DATA_DIR.',
      );
    });
}
