// The load run's verdict: no 5xx, and every accepted request's emails delivered exactly once, checked
// three ways: the sink per recipient and kind, the sink against the outbox by Message-ID, and the
// database (requests, outbox, mail jobs).
import type postgres from 'postgres';
import type { SinkMessage } from './smtp-sink.ts';

export type Filed = { email: string; reference: string; verified: boolean };

export type StatusCounts = Record<string, number>;

export type Verdict = {
  checks: Record<string, boolean>;
  emails: {
    delivered: number;
    verify: number;
    acknowledgement: number;
    missing: number;
    duplicates: number;
    /** Messages whose Message-ID the sink had already seen (the same outbox row sent twice). */
    sameMessageId: number;
    unexpected: number;
  };
  outbox: { rows: number; sent: number; notSent: number; inSinkNotOutbox: number; inOutboxNotSink: number };
  database: { requests: number; pendingReview: number; unverified: number };
  mailJobs: { completed: number; other: number; retried: number };
};

const count = (messages: SinkMessage[], kind: string, reference: string) =>
  messages.filter((m) => m.kind === kind && m.reference === reference).length;

export async function judge(
  sql: postgres.Sql,
  filed: Filed[],
  statuses: { submit: StatusCounts; verify: StatusCounts },
  messages: SinkMessage[],
): Promise<Verdict> {
  const byRecipient = new Map<string, SinkMessage[]>();
  for (const m of messages) byRecipient.set(m.to, [...(byRecipient.get(m.to) ?? []), m]);
  let missing = 0;
  let duplicates = 0;
  let expected = 0;
  for (const f of filed) {
    const mine = byRecipient.get(f.email.toLowerCase()) ?? [];
    const wanted: [string, number][] = [
      ['verify', 1],
      ['acknowledgement', f.verified ? 1 : 0],
    ];
    for (const [kind, n] of wanted) {
      const got = count(mine, kind, f.reference);
      if (got < n) missing += n - got;
      if (got > n) duplicates += got - n;
      expected += n;
    }
  }
  const known = new Set(filed.map((f) => `${f.email.toLowerCase()} ${f.reference}`));
  const unexpected = messages.filter(
    (m) => m.kind === 'other' || !known.has(`${m.to} ${m.reference}`),
  ).length;
  const ids = messages.map((m) => m.messageId);
  const sameId = ids.length - new Set(ids).size;

  const outbox = await sql<{ status: string; message_id: string | null }[]>`
    select status, message_id from outbox`;
  const outboxIds = new Set(outbox.map((r) => r.message_id));
  const sinkIds = new Set(ids);
  const [db] = await sql<{ requests: number; pending: number; unverified: number }[]>`
    select count(*)::int as requests,
      count(*) filter (where status = 'pending_review')::int as pending,
      count(*) filter (where status = 'unverified')::int as unverified
    from requests`;
  const jobs = await sql<{ state: string; n: number; retried: number }[]>`
    select state, count(*)::int as n, count(*) filter (where retry_count > 0)::int as retried
    from pgboss.job where name = 'mail.send' group by state`;
  const completed = jobs.find((j) => j.state === 'completed')?.n ?? 0;
  const allJobs = jobs.reduce((n, j) => n + j.n, 0);
  const verified = filed.filter((f) => f.verified).length;
  const sent = outbox.filter((r) => r.status === 'sent').length;
  const bad = (counts: StatusCounts, test: (status: number) => boolean) =>
    Object.entries(counts).some(([status, n]) => n > 0 && test(Number(status)));

  return {
    checks: {
      no5xx: !bad(statuses.submit, (s) => s >= 500) && !bad(statuses.verify, (s) => s >= 500),
      noNetworkErrors: !bad(statuses.submit, (s) => s === 0) && !bad(statuses.verify, (s) => s === 0),
      no4xx:
        !bad(statuses.submit, (s) => s >= 400 && s < 500) &&
        !bad(statuses.verify, (s) => s >= 400 && s < 500),
      noEmailMissing: missing === 0,
      noEmailDuplicated: duplicates === 0 && sameId === 0,
      noUnexpectedEmail: unexpected === 0,
      outboxAllSent: outbox.length === expected && sent === outbox.length,
      sinkMatchesOutbox:
        [...sinkIds].every((id) => outboxIds.has(id)) && [...outboxIds].every((id) => sinkIds.has(id!)),
      databaseAgrees:
        db!.requests === filed.length &&
        db!.pending === verified &&
        db!.unverified === filed.length - verified,
      mailJobsCompleted: completed === allJobs && allJobs === outbox.length,
    },
    emails: {
      delivered: messages.length,
      verify: messages.filter((m) => m.kind === 'verify').length,
      acknowledgement: messages.filter((m) => m.kind === 'acknowledgement').length,
      missing,
      duplicates,
      sameMessageId: sameId,
      unexpected,
    },
    outbox: {
      rows: outbox.length,
      sent,
      notSent: outbox.length - sent,
      inSinkNotOutbox: [...sinkIds].filter((id) => !outboxIds.has(id)).length,
      inOutboxNotSink: [...outboxIds].filter((id) => !sinkIds.has(id!)).length,
    },
    database: { requests: db!.requests, pendingReview: db!.pending, unverified: db!.unverified },
    mailJobs: { completed, other: allJobs - completed, retried: jobs.reduce((n, j) => n + j.retried, 0) },
  };
}
