import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { outbox, requests, suppressions } from '../../db/schema.ts';

const closed = ['completed', 'denied', 'cancelled', 'expired'] as const;
const byEmail = (column: typeof requests.subjectEmail | typeof outbox.to, email: string) =>
  sql`lower(${column}) = lower(${email})`;

export function listSubjectRequests(ex: Executor, email: string) {
  return ex
    .select({
      reference: requests.reference,
      type: requests.type,
      law: requests.law,
      status: requests.status,
      locale: requests.locale,
      name: requests.subjectName,
      details: requests.details,
      corrections: requests.corrections,
      receivedAt: requests.receivedAt,
      closedAt: requests.closedAt,
    })
    .from(requests)
    .where(byEmail(requests.subjectEmail, email))
    .orderBy(requests.receivedAt);
}

export function listSubjectEmails(ex: Executor, email: string) {
  return ex
    .select({
      subject: outbox.subject,
      text: outbox.text,
      status: outbox.status,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
    })
    .from(outbox)
    .where(byEmail(outbox.to, email))
    .orderBy(outbox.createdAt);
}

export function listSuppressions(ex: Executor, emailHmac: string) {
  return ex
    .select({ scope: suppressions.scope, origin: suppressions.origin, createdAt: suppressions.createdAt })
    .from(suppressions)
    .where(eq(suppressions.emailHmac, emailHmac));
}

/** Sent emails of the subject's closed requests: their bodies are what erasure can take away. */
function erasableEmails(email: string) {
  const closedRequests = sql`(select ${requests.id} from ${requests} where ${inArray(requests.status, [...closed])})`;
  return and(
    byEmail(outbox.to, email),
    eq(outbox.status, 'sent'),
    ne(outbox.text, '[erased]'),
    sql`${outbox.requestId} in ${closedRequests}`,
  );
}

export async function countErasableEmails(ex: Executor, email: string): Promise<number> {
  const [row] = await ex.select({ n: sql<number>`count(*)::int` }).from(outbox).where(erasableEmails(email));
  return Number(row?.n ?? 0);
}

export async function redactErasableEmails(ex: Executor, email: string): Promise<number> {
  const rows = await ex
    .update(outbox)
    .set({ text: '[erased]', html: null })
    .where(erasableEmails(email))
    .returning({ id: outbox.id });
  return rows.length;
}
