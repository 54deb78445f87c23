/** Refused before anything changed: the data directory is locked, not empty, on PostgreSQL… (exit 2). */
export class BackupRefusedError extends Error {
  override name = 'BackupRefusedError';
}

/** Not a usable backup: damaged, not a backup file, or its read-back check failed (exit 1). */
export class BackupInvalidError extends Error {
  override name = 'BackupInvalidError';
}

export const BACKUP_EXIT = { ok: 0, invalid: 1, refused: 2 } as const;
