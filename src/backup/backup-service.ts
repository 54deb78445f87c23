import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Database } from '../db/client.ts';
import { type BackupCheck, checkArchive } from './backup-check.ts';
import { BackupRefusedError } from './backup-errors.ts';
import { publishBackup, readBackupFile, sha256, writeBackupTemp } from './backup-file.ts';
import {
  type BackupManifest,
  manifestMac,
  migrationLevel,
  rightsdeskVersion,
  secretKeyCheck,
} from './backup-manifest.ts';
import { readMigrationState, readServerVersion } from './backup-repo.ts';

export type BackupDeps = { database: Database; secretKey: string; now: () => Date };

export type BackupResult = {
  file: string;
  bytes: number;
  manifest: BackupManifest;
  check: BackupCheck;
  durationMs: number;
};

export const POSTGRES_BACKUP_HINT =
  'with DATABASE_URL the database is PostgreSQL: back it up with pg_dump --format=custom and restore with pg_restore (README "Backups")';

/**
 * Dumps the embedded database into `target`: written to a temp file beside it and flushed, read
 * back from disk and checked (SHA-256, loads into a fresh PGlite, counts, audit chain), and only
 * then given its name. A backup that does not check out never appears; the error says why.
 */
export async function createBackup(deps: BackupDeps, target: string): Promise<BackupResult> {
  const { database } = deps;
  if (!database.dumpDataDir) throw new BackupRefusedError(`rightsdesk backup: ${POSTGRES_BACKUP_HINT}`);
  if (existsSync(target)) {
    throw new BackupRefusedError(`${target} already exists: choose another name (backups never overwrite)`);
  }
  const started = performance.now();
  const state = await readMigrationState(database.db);
  const postgres = await readServerVersion(database.db);
  const archive = Buffer.from(await (await database.dumpDataDir()).arrayBuffer());
  const unsigned: BackupManifest = {
    format: 'rightsdesk-backup',
    formatVersion: 1,
    createdAt: deps.now().toISOString(),
    rightsdesk: rightsdeskVersion(),
    postgres,
    migrations: migrationLevel(state.applied, state.lastAt),
    archive: { compression: 'gzip', bytes: archive.length, sha256: sha256(archive) },
    secretKeyCheck: secretKeyCheck(deps.secretKey),
  };
  const manifest: BackupManifest = { ...unsigned, mac: manifestMac(deps.secretKey, unsigned) };
  const temp = await writeBackupTemp(target, manifest, archive);
  try {
    // From the disk, not from memory: what is checked is what a restore will read.
    const written = await readBackupFile(temp);
    const check = await checkArchive(written.archive, written.manifest);
    await publishBackup(temp, target);
    return { file: target, bytes: written.bytes, manifest, check, durationMs: performance.now() - started };
  } finally {
    await rm(temp, { force: true });
  }
}
