import { existsSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { openDatabase } from '../db/client.ts';
import { acquireDataDirLock } from '../db/lock.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { createJobs } from '../jobs/jobs.ts';
import type { Logger } from '../logger.ts';
import { archiveFile, assertGunzips, type BackupCheck, inspectDatabase } from './backup-check.ts';
import { BackupInvalidError, BackupRefusedError } from './backup-errors.ts';
import { readBackupFile } from './backup-file.ts';
import {
  type BackupManifest,
  type MigrationLevel,
  manifestAuthentic,
  migrationLevel,
  migrationsKnown,
  secretKeyCheck,
} from './backup-manifest.ts';
import { readMigrationState } from './backup-repo.ts';

export type RestoreOptions = {
  file: string;
  dataDir: string;
  secretKey: string;
  /** Restore although DATA_DIR holds a database: it is moved aside, never deleted. */
  force: boolean;
  /** Restore although SECRET_KEY is not the key the backup was made under. */
  newSecretKey: boolean;
  logger: Logger;
  now: () => Date;
};

export type RestoreResult = {
  manifest: BackupManifest;
  check: BackupCheck;
  migrations: MigrationLevel;
  /** Where the database that was there went (with --force). */
  movedAside: string | undefined;
};

const hasEntries = async (dir: string) => existsSync(dir) && (await readdir(dir)).length > 0;

/**
 * Restores a backup into DATA_DIR. Everything that can fail happens in a staging directory first
 * (SHA-256, load, migrations, counts, audit chain); only a database that passed is moved into
 * place, so a refused or failed restore leaves DATA_DIR as it was.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const { manifest, archive } = await readBackupFile(options.file);
  if (!migrationsKnown(manifest.migrations)) {
    throw new BackupRefusedError(
      `the backup was made by a newer Rightsdesk (${manifest.rightsdesk}, migration ${manifest.migrations.applied}): upgrade this installation first`,
    );
  }
  if (manifest.secretKeyCheck !== secretKeyCheck(options.secretKey) && !options.newSecretKey) {
    throw new BackupRefusedError(
      'the backup was made under another SECRET_KEY. Opt-outs (the suppression list), signed links and export ' +
        'bundles depend on it: set SECRET_KEY to the old value (in development: copy the old DATA_DIR/secret.key ' +
        'over the new one), or pass --new-secret-key to restore anyway',
    );
  }
  // Same key: the backup must also be authentic (made, and not changed since, by a holder of it). A
  // restore under a new key (--new-secret-key) cannot check that, and the operator has said so.
  if (!options.newSecretKey && !manifestAuthentic(options.secretKey, manifest)) {
    throw new BackupInvalidError(
      `${options.file} is not authentic: it was not made with this SECRET_KEY, or was changed since ` +
        '(its manifest does not match its authentication code)',
    );
  }
  await assertGunzips(archive);
  const release = acquireDataDirLock(options.dataDir);
  try {
    const target = path.join(options.dataDir, 'pglite');
    const occupied = await hasEntries(target);
    if (occupied && !options.force) {
      throw new BackupRefusedError(
        `${options.dataDir} already holds a database: restore into a new, empty DATA_DIR, or pass --force ` +
          '(the database there is moved aside, not deleted)',
      );
    }
    const staging = path.join(options.dataDir, 'restore-staging');
    await rm(staging, { recursive: true, force: true });
    const check = await loadAndMigrate(staging, archive, options.logger).catch(async (error: unknown) => {
      await rm(staging, { recursive: true, force: true });
      throw error;
    });
    let movedAside: string | undefined;
    if (occupied) {
      movedAside = `${target}.before-restore-${options.now().toISOString().replaceAll(/[-:.]/g, '')}`;
      await rename(target, movedAside);
    } else {
      await rm(target, { recursive: true, force: true });
    }
    await rename(path.join(staging, 'pglite'), target);
    await rm(staging, { recursive: true, force: true });
    return { manifest, check: check.inspected, migrations: check.migrations, movedAside };
  } finally {
    release();
  }
}

async function loadAndMigrate(staging: string, archive: Buffer, logger: Logger) {
  const database = await openDatabase({ dataDir: staging, loadDataDir: archiveFile(archive) }).catch(
    (error: Error) => {
      throw new BackupInvalidError(`the archive does not load into PGlite: ${error.message}`);
    },
  );
  try {
    await migrateDatabase(database);
    // pg-boss keeps its own schema: jobs that were waiting at backup time run again after the restore.
    const jobs = createJobs(database, logger, { supervise: false });
    await jobs.start();
    await jobs.stop();
    const inspected = await inspectDatabase(database);
    if (!inspected.auditChain.ok) {
      const { id, reason } = inspected.auditChain.brokenAt;
      throw new BackupInvalidError(
        `the audit chain in the backup does not verify (broken at event ${id}: ${reason})`,
      );
    }
    const state = await readMigrationState(database.db);
    return { inspected, migrations: migrationLevel(state.applied, state.lastAt) };
  } finally {
    await database.close();
  }
}
