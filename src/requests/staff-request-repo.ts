import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { outbox, type RequestRow, requests, staffAccounts } from '../db/schema.ts';

export type SentEmail = { subject: string; status: 'pending' | 'sent'; createdAt: Date; sentAt: Date | null };

/** The emails queued for a request, without bodies or addresses: what was sent and when. */
export async function listRequestEmails(ex: Executor, requestId: string): Promise<SentEmail[]> {
  return ex
    .select({
      subject: outbox.subject,
      status: outbox.status,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
    })
    .from(outbox)
    .where(eq(outbox.requestId, requestId))
    .orderBy(asc(outbox.createdAt), asc(outbox.id));
}

/** Support's lookup: requests filed from this exact address (case-insensitive), newest first. */
export async function findRequestsByEmail(ex: Executor, email: string, limit: number): Promise<RequestRow[]> {
  return (
    ex
      .select()
      .from(requests)
      // lower() matches the requests_email_idx expression index.
      .where(eq(sql`lower(${requests.subjectEmail})`, email.toLowerCase()))
      .orderBy(desc(requests.receivedAt))
      .limit(limit)
  );
}

export type StaffName = { id: string; email: string; role: 'admin' | 'dpo' | 'support' };

/** Who may be assigned a request: enabled accounts of the roles that work requests. */
export async function listAssignableStaff(ex: Executor, roles: StaffName['role'][]): Promise<StaffName[]> {
  return ex
    .select({ id: staffAccounts.id, email: staffAccounts.email, role: staffAccounts.role })
    .from(staffAccounts)
    .where(and(inArray(staffAccounts.role, roles), isNull(staffAccounts.disabledAt)))
    .orderBy(asc(staffAccounts.email));
}

/** Staff accounts by id, to show an email where the audit trail names an id. */
export async function findStaffNames(ex: Executor, ids: string[]): Promise<StaffName[]> {
  const uuids = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (uuids.length === 0) return [];
  return ex
    .select({ id: staffAccounts.id, email: staffAccounts.email, role: staffAccounts.role })
    .from(staffAccounts)
    .where(inArray(staffAccounts.id, uuids));
}
