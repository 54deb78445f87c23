import { eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { queueMail } from '../../src/mail/mail-service.ts';
import { smtpPoolSize } from '../../src/mail/mail-transport.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// Every mail.send job in any state: a count of pending ones changes under the test whenever an
// earlier test's job finishes, and a leaked job could already have completed.
async function mailJobs(rt: TestRuntime): Promise<number> {
  const { rows } = await rt.database.executeSql(
    "select count(*)::int as n from pgboss.job where name = 'mail.send'",
  );
  return Number(rows[0]?.n);
}

describe('outbox over real SMTP', () => {
  let sink: SmtpSink;
  let rt: TestRuntime;

  beforeAll(async () => {
    sink = await startSmtpSink();
    rt = await createTestRuntime({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Privacy <privacy@example.org>' } });
  });
  afterAll(async () => {
    await rt.dispose();
    await sink.close();
  });
  afterEach(() => {
    sink.refusing = false;
  });

  it('message queued in a committed transaction → delivered once, message id and attempt recorded', async () => {
    const row = await rt.database.db.transaction((tx) =>
      queueMail(tx, rt.jobs, { to: 'ana@example.org', subject: 'Hello', text: 'Body https://x.test/a' }),
    );
    const [mail] = await sink.waitFor(1);
    expect(mail?.subject).toBe('Hello');
    expect(mail?.messageId).toContain(row.id);
    const sent = await eventually(async () => {
      const [r] = await rt.database.db.select().from(outbox).where(eq(outbox.id, row.id));
      return r?.status === 'sent' ? r : undefined;
    });
    expect(sent.attempts).toBe(1);
    expect(sent.transport).toBe('smtp');
    expect(sent.messageId).toContain(row.id);
    expect(sent.sentAt).toBeInstanceOf(Date);
  });

  it('twelve emails queued at once → delivered over a few reused connections, not one each', async () => {
    const connectionsBefore = sink.connections;
    const messagesBefore = sink.messages.length;
    await rt.database.db.transaction(async (tx) => {
      for (let i = 0; i < 12; i++)
        await queueMail(tx, rt.jobs, { to: `pool-${i}@example.org`, subject: `Pooled ${i}`, text: 'x' });
    });
    await sink.waitFor(messagesBefore + 12);
    // At most one connection per concurrent mail handler (four), however many emails go out.
    expect(sink.connections - connectionsBefore).toBeLessThanOrEqual(smtpPoolSize);
  });

  it('transaction rolled back → no outbox row and no job', async () => {
    const before = await rt.database.db.select({ n: sql<number>`count(*)::int` }).from(outbox);
    const jobsBefore = await mailJobs(rt);
    await expect(
      rt.database.db.transaction(async (tx) => {
        await queueMail(tx, rt.jobs, { to: 'bo@example.org', subject: 'Never', text: 'x' });
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    const after = await rt.database.db.select({ n: sql<number>`count(*)::int` }).from(outbox);
    expect(after[0]?.n).toBe(before[0]?.n);
    expect(await mailJobs(rt)).toBe(jobsBefore);
  });

  it('SMTP refuses for a while, then recovers → every message delivered exactly once', async () => {
    const start = sink.messages.length;
    sink.refusing = true;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const row = await rt.database.db.transaction((tx) =>
        queueMail(tx, rt.jobs, { to: `p${i}@example.org`, subject: `Outage ${i}`, text: 'x' }),
      );
      ids.push(row.id);
    }
    // Every message has been tried and refused at least once, and is still waiting.
    const refused = await eventually(async () => {
      const rows = await rt.database.db.select().from(outbox);
      const mine = rows.filter((r) => ids.includes(r.id));
      return mine.every((r) => r.lastError !== null) ? mine : undefined;
    });
    expect(refused.map((r) => r.status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(refused[0]?.lastError).toContain('temporarily unavailable');
    sink.refusing = false;
    await sink.waitFor(start + 5);
    await eventually(async () => {
      const rows = await rt.database.db.select().from(outbox).where(eq(outbox.status, 'pending'));
      return rows.length === 0;
    });
    // Give any duplicate a chance to show up before counting.
    await new Promise((r) => setTimeout(r, 1500));
    const delivered = sink.messages.slice(start).map((m) => m.subject);
    expect(delivered.sort()).toEqual(['Outage 0', 'Outage 1', 'Outage 2', 'Outage 3', 'Outage 4']);
    const rows = await rt.database.db.select().from(outbox);
    for (const id of ids) {
      const row = rows.find((r) => r.id === id)!;
      expect(row.status).toBe('sent');
      expect(row.attempts).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('dev mailbox (no SMTP_URL)', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime();
  });
  afterAll(async () => {
    await rt.dispose();
  });

  it('queued message → listed at /dev/mailbox.json and linked at /dev/mailbox', async () => {
    await rt.database.db.transaction((tx) =>
      queueMail(tx, rt.jobs, {
        to: 'cy@example.org',
        subject: 'Verify <you>',
        text: 'Open http://localhost:3000/verify/abc to continue',
      }),
    );
    const json = await eventually(async () => {
      const res = await request(rt.app).get('/dev/mailbox.json').expect(200);
      return res.body.items[0]?.status === 'sent' ? res.body : undefined;
    });
    expect(json.items[0]).toMatchObject({ to: 'cy@example.org', subject: 'Verify <you>', status: 'sent' });
    const html = await request(rt.app).get('/dev/mailbox').expect(200).expect('content-type', /html/);
    expect(html.text).toContain('<a href="http://localhost:3000/verify/abc">');
    expect(html.text).toContain('Verify &lt;you&gt;');
  });

  it('production config → no dev mailbox route', async () => {
    const { createApp } = await import('../../src/app.ts');
    const { loadConfig } = await import('../../src/config.ts');
    const app = createApp({
      ...rt.appDeps,
      config: loadConfig({
        NODE_ENV: 'production',
        SECRET_KEY: 'a-production-secret-of-sufficient-length-000',
        SMTP_URL: 'smtp://127.0.0.1:1',
        PUBLIC_URL: 'https://privacy.example.org',
        DATA_DIR: rt.config.dataDir,
      }),
    });
    await request(app).get('/dev/mailbox.json').expect(404);
  });
});
