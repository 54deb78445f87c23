import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectedRecords, fulfilmentTasks, outbox } from '../../src/db/schema.ts';
import type { TaskContext } from '../../src/fulfilment/connector.ts';
import { findByReference, generousLimits } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// The whole loop on the demo sources, through a listening server: the demo newsletter answers our
// http connector at PUBLIC_URL and calls back there, exactly as on `npm start`.
let rt: TestRuntime;
let server: Server;
let dpo: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  rt = await createTestRuntime({
    env: { ...generousLimits, DEMO_SOURCES: 'on', PUBLIC_URL: `http://127.0.0.1:${port}` },
  });
  server = rt.app.listen(port, '127.0.0.1');
  dpo = await bearerFor(rt, await createStaff(rt, { role: 'dpo' }));
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rt?.dispose();
});

const api = () => request(rt.app);
const staff = (method: 'get' | 'post' | 'put', path: string) =>
  api()[method](`/api/v1/staff/requests/${path}`).set('Authorization', dpo);

async function fileVerified(body: Record<string, unknown>) {
  const res = await api().post('/api/v1/requests').send(body).expect(202);
  const row = await findByReference(rt.database.db, res.body.reference);
  const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
  const token = /\/verify\/([^\s"<]+)/.exec(mail!.text)![1]!;
  await api().post('/api/v1/verifications').send({ token }).expect(200);
  return { reference: res.body.reference as string, id: row.id };
}
const statusOf = async (reference: string) => (await findByReference(rt.database.db, reference)).status;

/** What the demo product database holds about someone now, read through its own connector. */
async function productRows(email: string) {
  const rows: Record<string, Record<string, unknown>[]> = {};
  const ctx: TaskContext = {
    taskId: 'probe',
    requestId: 'probe',
    reference: 'RD-PROB-E000',
    action: 'access',
    subject: { email },
    corrections: [],
    records: {
      async write(collection, batch) {
        rows[collection] = [...(rows[collection] ?? []), ...batch];
      },
    },
    now: new Date(),
  };
  await rt.fulfilment.connectors.get('demo_product')!.run(ctx);
  return rows;
}

describe('fulfilment on the demo sources', () => {
  it('erase → dry run names the tax-law hold; approve → rows deleted or masked, invoices kept, newsletter called back, completed', async () => {
    const { reference, id } = await fileVerified({ type: 'erase', law: 'gdpr', email: 'ada@example.com' });
    const plan = (await staff('get', `${reference}/erasure-plan`).expect(200)).body;
    const product = plan.sources.find((s: { source: string }) => s.source === 'demo_product');
    expect(product.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ collection: 'sessions', outcome: 'delete', rows: 2 }),
        expect.objectContaining({ collection: 'invoices', outcome: 'retain', rows: 2, period: '5 years' }),
      ]),
    );
    expect((await productRows('ada@example.com')).sessions).toHaveLength(2);

    await staff('post', `${reference}/approve`).send({ version: 2 }).expect(200);
    await eventually(async () => (await statusOf(reference)) === 'completed', 30_000);
    const tasks = await rt.database.db
      .select()
      .from(fulfilmentTasks)
      .where(eq(fulfilmentTasks.requestId, id));
    expect(tasks.map((t) => [t.source, t.status]).sort()).toEqual([
      ['demo_newsletter', 'done'],
      ['demo_product', 'done'],
      ['rightsdesk', 'done'],
    ]);
    // Found by email no more: the email column is now a keyed hash.
    expect(await productRows('ada@example.com')).toEqual({});
    const mails = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, id));
    const done = mails.find((m) => /is complete/.test(m.subject))!;
    expect(done.text).toMatch(/demo_product\.invoices \(.*\): Tax law/);
    expect(done.text).toMatch(/demo_newsletter: /);
  }, 60_000);

  it('access → records from the product database and the newsletter collected, completed', async () => {
    const { reference, id } = await fileVerified({ type: 'access', law: 'gdpr', email: 'GRACE@example.com' });
    await staff('post', `${reference}/approve`).send({ version: 2 }).expect(200);
    await eventually(async () => (await statusOf(reference)) === 'completed', 30_000);
    const tasks = await rt.database.db
      .select()
      .from(fulfilmentTasks)
      .where(eq(fulfilmentTasks.requestId, id));
    const records = await rt.database.db.select().from(collectedRecords);
    const of = (source: string) => {
      const task = tasks.find((t) => t.source === source)!;
      return records.filter((r) => r.taskId === task.id);
    };
    const accounts = of('demo_product').filter((r) => r.collection === 'accounts');
    expect(accounts.map((r) => r.data.email)).toEqual(['grace@example.com']);
    expect(of('demo_newsletter').length).toBeGreaterThan(0);
  }, 60_000);

  it('rectify → diff shows current → proposed; an edited acceptance is what lands in the source', async () => {
    const { reference } = await fileVerified({
      type: 'rectify',
      law: 'gdpr',
      email: 'grace@example.com',
      corrections: [
        { field: 'Display name', value: 'Grace O.' },
        { field: 'email', value: 'other@example.com' },
      ],
    });
    const review = (await staff('get', `${reference}/rectification`).expect(200)).body;
    expect(review.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'display_name',
          current: 'Grace Okafor',
          proposed: 'Grace O.',
          rectifiable: true,
        }),
      ]),
    );
    const decided = await staff('put', `${reference}/corrections`)
      .send({
        version: 2,
        decisions: [
          { index: 0, decision: 'accepted', value: 'Grace Okafor-Hopper' },
          { index: 1, decision: 'rejected' },
        ],
      })
      .expect(200);
    await staff('post', `${reference}/approve`).send({ version: decided.body.version }).expect(200);
    await eventually(async () => (await statusOf(reference)) === 'completed', 30_000);
    const rows = await productRows('grace@example.com');
    expect(rows.accounts?.[0]).toMatchObject({
      email: 'grace@example.com',
      display_name: 'Grace Okafor-Hopper',
    });
  }, 60_000);

  it('opt_out → consent column cleared in the product database, completed without verification', async () => {
    const res = await api()
      .post('/api/v1/requests')
      .send({ type: 'opt_out', law: 'ccpa', email: 'linus@example.org' })
      .expect(202);
    await eventually(async () => (await statusOf(res.body.reference)) === 'completed', 30_000);
    const rows = await productRows('linus@example.org');
    expect(rows.accounts?.[0]?.marketing_opt_in).toBe(false);
  }, 60_000);
});
