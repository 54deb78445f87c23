import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { BackupRefusedError } from './backup-errors.ts';
import { type BackupDeps, type BackupResult, createBackup } from './backup-service.ts';

/** Only files with these names are ours: pruning never touches anything else in BACKUP_DIR. */
const BACKUP_NAME = /^rightsdesk-\d{8}T\d{6}Z\.rdbackup$/;
const TEMP_NAME = /^\.rightsdesk-\d{8}T\d{6}Z\.rdbackup\.[0-9a-f]{12}\.tmp$/;

/** `rightsdesk-20260102T030405Z.rdbackup`: sorts by time, one per second at most. */
export function backupFileName(at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(/[-:]/g, '');
  return `rightsdesk-${stamp}.rdbackup`;
}

/**
 * Keeps the newest `keep` backups of ours (every one was checked before it got its name) and
 * deletes older ones, plus temp files a crash left behind (no backup runs beside this one).
 */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  // Others able to write here could plant future-dated names and make us prune the real backups.
  if ((await stat(dir)).mode & 0o022) {
    throw new BackupRefusedError(
      `BACKUP_DIR ${dir} is writable by other users: nothing pruned (chmod go-w it)`,
    );
  }
  const names = await readdir(dir);
  const ours = names.filter((n) => BACKUP_NAME.test(n)).sort();
  const doomed = [
    ...ours.slice(0, Math.max(0, ours.length - keep)),
    ...names.filter((n) => TEMP_NAME.test(n)),
  ];
  for (const name of doomed) await rm(path.join(dir, name), { force: true });
  return doomed;
}

export type ScheduledBackupDeps = BackupDeps & { dir: string; keep: number; logger: Logger };

/**
 * The backup.run job: a new checked backup in BACKUP_DIR, then the oldest beyond BACKUP_KEEP go.
 * A failed run deletes nothing (the older backups are all there is) and throws, so the job retries.
 * Logs file, size, counts and duration: no personal data.
 */
export async function runScheduledBackup(deps: ScheduledBackupDeps): Promise<BackupResult> {
  const target = path.join(deps.dir, backupFileName(deps.now()));
  let result: BackupResult;
  try {
    result = await createBackup(deps, target);
  } catch (error) {
    deps.logger.error({ file: target, err: error }, 'scheduled backup FAILED: no new backup was kept');
    throw error;
  }
  const pruned = await pruneBackups(deps.dir, deps.keep);
  deps.logger.info(
    {
      file: result.file,
      bytes: result.bytes,
      requests: result.check.requests,
      auditEvents: result.check.auditEvents,
      auditChainOk: result.check.auditChain.ok,
      migration: result.manifest.migrations.last,
      durationMs: Math.round(result.durationMs),
      pruned: pruned.length,
      kept: deps.keep,
    },
    'scheduled backup written and verified',
  );
  return result;
}
