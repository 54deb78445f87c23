import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectedRecords, fulfilmentTasks, outbox, requests, suppressions } from '../../src/db/schema.ts';
import { runTask } from '../../src/fulfilment/task-runner.ts';
import { type HttpSourceServer, startHttpSource } from '../helpers/http-source.ts';
import { findByReference, generousLimits } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

const secret = 'newsletter-shared-secret-0123456789abcdef';
let rt: TestRuntime;
let source: HttpSourceServer;
let dpo: string;

beforeAll(async () => {
  source = await startHttpSource({ secret, now: () => new Date() });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-sources-')), 'sources.json');
  writeFileSync(
    file,
    JSON.stringify({
      sources: [
        {
          name: 'newsletter',
          kind: 'http',
          url: source.url,
          secretEnv: 'NEWSLETTER_SECRET',
          holds: ['contact', 'marketing'],
          actions: ['access', 'erase', 'opt_out'],
          // Generous: attempt counts are asserted, and a loaded machine can take over 2 s to answer.
          timeoutMs: 15_000,
        },
      ],
    }),
  );
  rt = await createTestRuntime({
    env: { ...generousLimits, SOURCES_FILE: file, NEWSLETTER_SECRET: secret },
  });
  const account = await createStaff(rt, { role: 'dpo' });
  dpo = await bearerFor(rt, account);
});
afterAll(async () => {
  await rt?.dispose();
  await source?.close();
});
beforeEach(() => {
  source.received.length = 0;
  source.answer(() => ({ status: 200, body: { receipt: { ok: true } } }));
});

const api = () => request(rt.app);
const staffGet = (reference: string) =>
  api().get(`/api/v1/staff/requests/${reference}`).set('Authorization', dpo).expect(200);
const act = (reference: string, action: string, body: object) =>
  api()
    .post(`/api/v1/staff/requests/${reference}/${action}`)
    .set('Authorization', dpo)
    .send(body)
    .expect(200);

/** Files a request and confirms it the way the subject would (through the emailed link's API). */
async function fileVerified(type: string, email = `p${Math.random().toString(36).slice(2)}@example.org`) {
  const res = await api().post('/api/v1/requests').send({ type, law: 'gdpr', email }).expect(202);
  const row = await findByReference(rt.database.db, res.body.reference);
  const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
  const token = /\/verify\/([^\s"<]+)/.exec(mail!.text)![1]!;
  await api().post('/api/v1/verifications').send({ token }).expect(200);
  return { reference: res.body.reference as string, id: row.id, email };
}

const statusOf = async (reference: string) => (await findByReference(rt.database.db, reference)).status;
const tasksOf = (id: string) =>
  rt.database.db.select().from(fulfilmentTasks).where(eq(fulfilmentTasks.requestId, id));

describe('fulfilment runner', () => {
  it('approved access → one task per source, records collected, request completed with its email', async () => {
    source.answer(() => ({
      status: 200,
      body: { records: { subscriptions: [{ list: 'weekly' }] }, receipt: {} },
    }));
    const { reference, id, email } = await fileVerified('access');
    await act(reference, 'approve', { version: 2 });
    await eventually(async () => (await statusOf(reference)) === 'completed');
    const tasks = await tasksOf(id);
    expect(tasks.map((t) => [t.source, t.status]).sort()).toEqual([
      ['newsletter', 'done'],
      ['rightsdesk', 'done'],
    ]);
    const sent = JSON.parse(source.received[0]!.body);
    expect(sent).toMatchObject({ action: 'access', reference, subject: { email } });
    const records = await rt.database.db.select().from(collectedRecords);
    const byTask = (source: string) => {
      const task = tasks.find((t) => t.source === source)!;
      return records.filter((r) => r.taskId === task.id);
    };
    expect(byTask('newsletter').map((r) => r.data)).toEqual([{ list: 'weekly' }]);
    expect(byTask('rightsdesk').find((r) => r.collection === 'requests')?.data).toMatchObject({ reference });
    const mails = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, id));
    const done = mails.find((m) => /is complete/.test(m.subject));
    expect(done?.text).toMatch(/newsletter: records found: 1/);
  });

  it('a source failing past its retries → request failed with the error; retry reruns only that task', async () => {
    source.answer(() => ({ status: 500, body: { error: 'down' } }));
    const { reference, id } = await fileVerified('erase');
    await act(reference, 'approve', { version: 2 });
    await eventually(async () => (await statusOf(reference)) === 'failed');
    const staffView = (await staffGet(reference)).body;
    const failed = staffView.tasks.find((t: { source: string }) => t.source === 'newsletter');
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(failed.error).toMatch(/newsletter answered 500/);
    const builtin = staffView.tasks.find((t: { source: string }) => t.source === 'rightsdesk');
    expect(builtin).toMatchObject({ status: 'done', attempts: 1 });

    source.answer(() => ({ status: 200, body: { receipt: { deleted: 1 } } }));
    await act(reference, 'retry', { version: staffView.version });
    await eventually(async () => (await statusOf(reference)) === 'completed');
    const after = await tasksOf(id);
    expect(after.find((t) => t.source === 'rightsdesk')).toMatchObject({ attempts: 1 });
    expect(after.find((t) => t.source === 'newsletter')).toMatchObject({ status: 'done', attempts: 1 });
    const mails = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, id));
    const done = mails.find((m) => /is complete/.test(m.subject))!;
    expect(done.text).toMatch(/What we kept, and why:/);
    expect(done.text).toMatch(/Accountability/);
  });

  it('opt_out → tasks at intake, both suppression scopes recorded as HMACs, source told, completed', async () => {
    const email = `Opt.Out.${Date.now()}@Example.org`;
    const res = await api()
      .post('/api/v1/requests')
      .send({ type: 'opt_out', law: 'ccpa', email })
      .expect(202);
    expect(res.body.status).toBe('processing');
    await eventually(async () => (await statusOf(res.body.reference)) === 'completed');
    expect(source.received.map((r) => JSON.parse(r.body).action)).toEqual(['opt_out']);
    const row = await findByReference(rt.database.db, res.body.reference);
    const rows = await rt.database.db.select().from(suppressions).where(eq(suppressions.requestId, row.id));
    expect(rows.map((r) => r.scope).sort()).toEqual(['marketing', 'sale_sharing']);
    expect(JSON.stringify(rows).toLowerCase()).not.toContain('opt.out');
  });

  it('a duplicate job for a finished task, or a task of a cancelled request → skipped, nothing runs again', async () => {
    const { reference, id } = await fileVerified('access');
    await act(reference, 'approve', { version: 2 });
    await eventually(async () => (await statusOf(reference)) === 'completed');
    const [task] = await tasksOf(id);
    const calls = source.received.length;
    expect(await runTask(rt.fulfilment, task!.id, 0)).toBe('skipped');
    expect(source.received.length).toBe(calls);

    source.answer(() => ({ status: 200, body: {}, delayMs: 1500 }));
    const other = await fileVerified('access');
    await act(other.reference, 'approve', { version: 2 });
    await act(other.reference, 'cancel', { version: 4 });
    const pending = await rt.database.db
      .select()
      .from(fulfilmentTasks)
      .where(and(eq(fulfilmentTasks.requestId, other.id), eq(fulfilmentTasks.source, 'newsletter')));
    expect(await runTask(rt.fulfilment, pending[0]!.id, 0)).toBe('skipped');
    expect((await rt.database.db.select().from(requests).where(eq(requests.id, other.id)))[0]?.status).toBe(
      'cancelled',
    );
  });
});
