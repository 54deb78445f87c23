import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type AuditVerification, verifyAuditChain } from '../audit/audit-service.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { BackupInvalidError } from './backup-errors.ts';
import type { BackupManifest } from './backup-manifest.ts';
import { type BackupCounts, countBackupRows, readMigrationState } from './backup-repo.ts';

export type BackupCheck = BackupCounts & { auditChain: AuditVerification };

/** The archive as PGlite wants it: a File named .tar.gz is gunzipped before it is untarred. */
export const archiveFile = (archive: Buffer) =>
  new File([new Uint8Array(archive)], 'pgdata.tar.gz', { type: 'application/gzip' });

/**
 * PGlite gunzips inside a stream whose errors escape as uncaught exceptions (they would end the
 * server running a scheduled backup): a damaged archive is caught here first.
 */
export async function assertGunzips(archive: Buffer): Promise<void> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline(Readable.from([archive]), createGunzip(), sink);
  } catch (error) {
    throw new BackupInvalidError(`the archive does not decompress: ${(error as Error).message}`);
  }
}

/** Counts and the audit chain of an open database, as a backup check and a restore report them. */
export async function inspectDatabase(database: Database): Promise<BackupCheck> {
  const counts = await countBackupRows(database.db);
  return { ...counts, auditChain: await verifyAuditChain(database.db) };
}

/**
 * Reads a backup back the way a restore would: loads the archive into a fresh in-memory PGlite,
 * counts requests and audit events and verifies the audit chain. Throws when any of it fails.
 */
export async function checkArchive(archive: Buffer, manifest: BackupManifest): Promise<BackupCheck> {
  await assertGunzips(archive);
  let database: Database;
  try {
    database = await openDatabase({ dataDir: 'memory', loadDataDir: archiveFile(archive) });
  } catch (error) {
    throw new BackupInvalidError(`the archive does not load into PGlite: ${(error as Error).message}`);
  }
  try {
    const migrations = await readMigrationState(database.db);
    if (
      migrations.applied !== manifest.migrations.applied ||
      migrations.lastAt !== manifest.migrations.lastAt
    ) {
      throw new BackupInvalidError('the archive is at another migration level than its manifest says');
    }
    const check = await inspectDatabase(database);
    if (!check.auditChain.ok) {
      const { id, reason } = check.auditChain.brokenAt;
      throw new BackupInvalidError(
        `the audit chain in the backup does not verify (broken at event ${id}: ${reason}); ` +
          'run `rightsdesk audit verify` on the live database',
      );
    }
    return check;
  } finally {
    await database.close();
  }
}
