import path from 'node:path';
import cronParser from 'cron-parser';
import { z } from 'zod';

/**
 * BACKUP_SCHEDULE: a five-field cron expression (UTC), checked with the parser pg-boss schedules
 * with. cron-parser alone fills in missing fields ("1 2 3" passes), so the field count is ours.
 */
export const backupScheduleSetting = z
  .string()
  .trim()
  .refine((value) => {
    if (value.split(/\s+/).length !== 5) return false;
    try {
      cronParser.parseExpression(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be a cron expression with 5 fields (minute hour day-of-month month weekday, UTC), e.g. "0 2 * * *"')
  .optional();

/** BACKUP_KEEP: verified backups kept in BACKUP_DIR; older ones are deleted after each new one. */
export const backupKeepSetting = z.coerce.number().int().min(1).max(1000).default(7);

export const backupDirSetting = z.string().min(1).optional();

export type BackupSettings = Readonly<{
  /** Cron (UTC) of the scheduled backup; undefined: no schedule. */
  schedule: string | undefined;
  keep: number;
  /** Absolute; default DATA_DIR/backups. */
  dir: string;
}>;

/** The settings, or the variable and problem for a ConfigError (scheduled backups need PGlite). */
export function backupSettings(input: {
  schedule: string | undefined;
  keep: number;
  dir: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
}): BackupSettings | { variable: string; problem: string } {
  if (input.schedule && input.databaseUrl) {
    return {
      variable: 'BACKUP_SCHEDULE',
      problem:
        'scheduled backups are for the embedded database; with DATABASE_URL back up PostgreSQL with pg_dump (README "Backups")',
    };
  }
  return Object.freeze({
    schedule: input.schedule,
    keep: input.keep,
    dir: path.resolve(input.dir ?? path.join(input.dataDir, 'backups')),
  });
}
