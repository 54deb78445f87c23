import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { BackupInvalidError, BackupRefusedError } from './backup-errors.ts';
import { type BackupManifest, manifestSchema } from './backup-manifest.ts';

/*
 * A backup is one file: a magic line, the manifest as one JSON line, then the gzipped tarball of the
 * PGlite data directory. One file cannot lose its manifest; the archive still comes out with
 * `tail -n +3 FILE > pgdata.tar.gz` should anyone need it without Rightsdesk.
 */
const MAGIC = 'RIGHTSDESK-BACKUP 1\n';
const MAX_MANIFEST_BYTES = 64 * 1024;

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Writes the backup beside its final name (same folder, so publishing is a link on one file system),
 * flushed to disk, readable by the owner only: a backup holds every subject's personal data.
 */
export async function writeBackupTemp(target: string, manifest: BackupManifest, archive: Buffer) {
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(manifest)}\n`), archive]));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Gives the checked temp file its name; never replaces an existing file (link fails instead). */
export async function publishBackup(temp: string, target: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BackupRefusedError(`${target} already exists: choose another name (backups never overwrite)`);
    }
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
  // The new directory entry must reach the disk too, or a crash could lose a "written" backup.
  const dir = await open(path.dirname(target), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export type BackupContents = { manifest: BackupManifest; archive: Buffer; bytes: number };

/** Reads a backup and checks the archive against the manifest's size and SHA-256. */
export async function readBackupFile(file: string): Promise<BackupContents> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new BackupInvalidError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (!data.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) {
    throw new BackupInvalidError(
      `${file} is not a Rightsdesk backup (its first line is not "${MAGIC.trim()}")`,
    );
  }
  const end = data.indexOf(0x0a, MAGIC.length);
  if (end < 0 || end - MAGIC.length > MAX_MANIFEST_BYTES) {
    throw new BackupInvalidError(`${file}: the manifest line is missing or damaged`);
  }
  let manifest: BackupManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(data.subarray(MAGIC.length, end).toString('utf8')));
  } catch {
    throw new BackupInvalidError(`${file}: the manifest is damaged (not the JSON a backup carries)`);
  }
  const archive = data.subarray(end + 1);
  if (archive.length !== manifest.archive.bytes) {
    throw new BackupInvalidError(
      `${file} is damaged: the archive has ${archive.length} bytes, the manifest says ${manifest.archive.bytes} (truncated?)`,
    );
  }
  if (sha256(archive) !== manifest.archive.sha256) {
    throw new BackupInvalidError(`${file} is damaged: the archive's SHA-256 does not match its manifest`);
  }
  return { manifest, archive, bytes: data.length };
}
