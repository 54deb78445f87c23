import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type StaffAccountRow, type StaffSessionRow, staffAccounts, staffSessions } from '../db/schema.ts';

export async function insertStaff(
  ex: Executor,
  row: { email: string; role: StaffAccountRow['role']; passwordHash: string; createdAt: Date },
): Promise<StaffAccountRow> {
  const [inserted] = await ex
    .insert(staffAccounts)
    .values({ ...row, updatedAt: row.createdAt })
    .returning();
  return inserted!;
}

export async function findStaffByEmail(ex: Executor, email: string): Promise<StaffAccountRow | undefined> {
  const [row] = await ex.select().from(staffAccounts).where(eq(staffAccounts.email, email.toLowerCase()));
  return row;
}

export async function findStaffById(ex: Executor, id: string): Promise<StaffAccountRow | undefined> {
  const [row] = await ex.select().from(staffAccounts).where(eq(staffAccounts.id, id));
  return row;
}

export async function updateStaff(
  ex: Executor,
  id: string,
  patch: Partial<
    Pick<
      StaffAccountRow,
      'disabledAt' | 'passwordHash' | 'lockedUntil' | 'failedLogins' | 'lastLoginAt' | 'role'
    >
  >,
  now: Date,
): Promise<void> {
  await ex
    .update(staffAccounts)
    .set({ ...patch, updatedAt: now })
    .where(eq(staffAccounts.id, id));
}

/** Counts a failure atomically (two wrong guesses at once both count) and returns the new count. */
export async function countFailedLogin(ex: Executor, id: string, now: Date): Promise<number> {
  const [row] = await ex
    .update(staffAccounts)
    .set({ failedLogins: sql`${staffAccounts.failedLogins} + 1`, updatedAt: now })
    .where(eq(staffAccounts.id, id))
    .returning({ failedLogins: staffAccounts.failedLogins });
  return row?.failedLogins ?? 0;
}

export async function insertSession(
  ex: Executor,
  row: { staffId: string; kind: StaffSessionRow['kind']; createdAt: Date; expiresAt: Date },
): Promise<StaffSessionRow> {
  const [inserted] = await ex.insert(staffSessions).values(row).returning();
  return inserted!;
}

export async function findSession(ex: Executor, id: string): Promise<StaffSessionRow | undefined> {
  const [row] = await ex.select().from(staffSessions).where(eq(staffSessions.id, id));
  return row;
}

export async function revokeSession(ex: Executor, id: string, now: Date): Promise<void> {
  await ex
    .update(staffSessions)
    .set({ revokedAt: now })
    .where(and(eq(staffSessions.id, id), isNull(staffSessions.revokedAt)));
}

export async function revokeStaffSessions(ex: Executor, staffId: string, now: Date): Promise<void> {
  await ex
    .update(staffSessions)
    .set({ revokedAt: now })
    .where(and(eq(staffSessions.staffId, staffId), isNull(staffSessions.revokedAt)));
}

/** Enabled accounts with one of these roles (digest recipients). */
export async function listActiveStaff(
  ex: Executor,
  roles: StaffAccountRow['role'][],
): Promise<StaffAccountRow[]> {
  return ex
    .select()
    .from(staffAccounts)
    .where(and(inArray(staffAccounts.role, roles), isNull(staffAccounts.disabledAt)));
}
