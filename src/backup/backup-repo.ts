import { count, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditEvents, requests } from '../db/schema.ts';

export type BackupCounts = { requests: number; auditEvents: number };

/** postgres.js returns an array of rows, PGlite an object with `rows`. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []) as Record<string, unknown>[];
}

export async function countBackupRows(db: Db): Promise<BackupCounts> {
  const [r] = await db.select({ n: count() }).from(requests);
  const [a] = await db.select({ n: count() }).from(auditEvents);
  return { requests: Number(r?.n ?? 0), auditEvents: Number(a?.n ?? 0) };
}

/** Applied drizzle migrations and the journal time of the last one; none on a never-migrated database. */
export async function readMigrationState(db: Db): Promise<{ applied: number; lastAt: number | null }> {
  const [exists] = rowsOf(
    await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`),
  );
  if (exists?.present !== true) return { applied: 0, lastAt: null };
  const [row] = rowsOf(
    await db.execute(
      sql`select count(*)::int as applied, max(created_at)::text as last_at from drizzle.__drizzle_migrations`,
    ),
  );
  const lastAt = row?.last_at === null || row?.last_at === undefined ? null : Number(row.last_at);
  return { applied: Number(row?.applied ?? 0), lastAt };
}

export async function readServerVersion(db: Db): Promise<string> {
  const [row] = rowsOf(await db.execute(sql`show server_version`));
  return String(row?.server_version ?? 'unknown');
}
