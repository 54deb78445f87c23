import { inArray } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutboxRow, outbox } from '../../src/db/schema.ts';
import { createFaultRuntime, type FaultRuntime } from '../helpers/faults/fault-runtime.ts';
import { type RestartableSmtp, startRestartableSmtp } from '../helpers/faults/restartable-smtp.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { eventually } from '../helpers/test-runtime.ts';

// The relay is a real SMTP server that goes away and comes back on the same port; the runtime's
// worker delivers through it as in production, retrying every second instead of with backoff.
let smtp: RestartableSmtp;
let rt: FaultRuntime;

beforeAll(async () => {
  smtp = await startRestartableSmtp();
  rt = await createFaultRuntime({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Privacy <privacy@example.org>' },
    queueOverrides: { 'mail.send': { retryDelay: 1, retryBackoff: false } },
  });
});
afterAll(async () => {
  await rt?.dispose();
  await smtp?.close();
});

async function file(email: string): Promise<string> {
  const res = await request(rt.app).post('/api/v1/requests').send({ type: 'access', law: 'gdpr', email });
  expect(res.status).toBe(202);
  return res.body.reference as string;
}

async function rowsFor(emails: string[]): Promise<OutboxRow[]> {
  return rt.database.db.select().from(outbox).where(inArray(outbox.to, emails));
}

async function liveJobs(ids: string[]): Promise<Record<string, number>> {
  const { rows } = await rt.database.executeSql(
    "select state, count(*)::int as n from pgboss.job where name = 'mail.send' and data->>'outboxId' = any($1) group by state",
    [ids],
  );
  return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
}

describe(`fault: SMTP down for a while, then back (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('relay refusing connections, then hanging up on them, while requests are filed → emails wait in the outbox with attempts and the error; relay back on the same port → each delivered exactly once', async () => {
    await smtp.set('down');
    const downAt = Date.now();
    const early = Array.from({ length: 6 }, (_, i) => `smtp-early-${i}@example.org`);
    for (const email of early) await file(email);

    // Every email was tried more than once and is still waiting, the error kept for the operator.
    const refused = await eventually(async () => {
      const rows = await rowsFor(early);
      return rows.length === early.length && rows.every((r) => r.attempts >= 2 && r.lastError) && rows;
    });
    for (const row of refused) {
      expect(row.status).toBe('pending');
      expect(row.lastError).toMatch(/ECONNREFUSED/);
    }
    // Nothing given up: each email still has its job, waiting to be retried (none failed).
    const jobs = await liveJobs(refused.map((r) => r.id));
    expect(jobs.failed ?? 0).toBe(0);
    expect((jobs.created ?? 0) + (jobs.retry ?? 0) + (jobs.active ?? 0)).toBe(early.length);

    // The relay's port answers again but drops every connection: still an outage, still kept.
    await smtp.set('hang-up');
    const late = ['smtp-late-0@example.org', 'smtp-late-1@example.org'];
    for (const email of late) await file(email);
    const dropped = await eventually(async () => {
      const rows = await rowsFor([...early, ...late]);
      return rows.length === 8 && rows.every((r) => r.lastError && !/ECONNREFUSED/.test(r.lastError)) && rows;
    });
    expect(dropped.every((r) => r.status === 'pending')).toBe(true);
    expect(smtp.messages).toHaveLength(0);

    await smtp.set('up');
    const upAt = Date.now();
    const everyone = [...early, ...late];
    await eventually(async () => everyone.every((email) => smtp.perRecipient().has(email)), 30_000);
    const deliveredAt = Date.now();
    // A duplicate would be a second send of a row already sent: give one time to arrive.
    await new Promise((r) => setTimeout(r, 2000));
    const counts = smtp.perRecipient();
    expect(everyone.map((email) => [email, counts.get(email)])).toEqual(everyone.map((email) => [email, 1]));
    expect(smtp.messages).toHaveLength(everyone.length);

    const sent = await rowsFor(everyone);
    for (const row of sent) {
      expect(row.status).toBe('sent');
      expect(row.lastError).toBeNull();
      expect(row.attempts).toBeGreaterThanOrEqual(2);
    }
    console.info(
      `SMTP outage ${upAt - downAt} ms; all ${everyone.length} emails delivered ${deliveredAt - upAt} ms after the relay came back; ` +
        `attempts per email ${Math.min(...sent.map((r) => r.attempts))}–${Math.max(...sent.map((r) => r.attempts))}`,
    );
  });
});
