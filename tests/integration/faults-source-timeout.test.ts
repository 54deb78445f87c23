import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { createFaultRuntime, type FaultRuntime } from '../helpers/faults/fault-runtime.ts';
import { type HttpSourceServer, startHttpSource } from '../helpers/http-source.ts';
import { findByReference, generousLimits } from '../helpers/intake.ts';
import { bearerFor } from '../helpers/staff.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { eventually } from '../helpers/test-runtime.ts';

// The connector's own timeout is covered in http-connector.test.ts; this is the whole request's
// story when a source stops answering: retries with backoff, a failed request the DPO can read,
// and a staff retry once the source is back.
const secret = 'timeout-source-secret-0123456789abcdef';
const timeoutMs = 300;
const retryLimit = 2;
let rt: FaultRuntime;
let source: HttpSourceServer;
let dpo: string;
let dir: string | undefined;

beforeAll(async () => {
  source = await startHttpSource({ secret, now: () => new Date() });
  dir = mkdtempSync(path.join(tmpdir(), 'rd-fault-src-'));
  const file = path.join(dir, 'sources.json');
  writeFileSync(
    file,
    JSON.stringify({
      sources: [
        {
          name: 'crm',
          kind: 'http',
          url: source.url,
          secretEnv: 'CRM_SECRET',
          holds: ['contact'],
          actions: ['erase'],
          timeoutMs,
        },
      ],
    }),
  );
  rt = await createFaultRuntime({
    env: { ...generousLimits, SOURCES_FILE: file, CRM_SECRET: secret },
    // Backoff as in production, from a one-second start: about 1-2 s, then 2-4 s between attempts.
    queueOverrides: { 'fulfilment.task': { retryLimit, retryDelay: 1, retryBackoff: true } },
  });
  dpo = await bearerFor(rt, 'dpo');
});
afterAll(async () => {
  await rt?.dispose();
  await source?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const staff = () => request(rt.app);
const staffView = async (reference: string) =>
  (await staff().get(`/api/v1/staff/requests/${reference}`).set('Authorization', dpo).expect(200)).body as {
    status: string;
    version: number;
    tasks: { source: string; status: string; attempts: number; error: string | null }[];
  };

describe(`fault: a data source that stops answering (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('source accepts the call and never answers → timeouts, retried with backoff, then the request fails with the error for the DPO; retry after the source is back → completed once', async () => {
    // Connections are accepted and held far beyond the connector's timeout.
    source.answer(() => ({ status: 200, body: {}, delayMs: 30_000 }));
    const email = 'silent-source@example.org';
    const filed = await staff()
      .post('/api/v1/requests')
      .send({ type: 'erase', law: 'gdpr', email })
      .expect(202);
    const reference = filed.body.reference as string;
    const row = await findByReference(rt.database.db, reference);
    const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
    const token = /\/verify\/([^\s"<]+)/.exec(mail!.text)![1]!;
    await staff().post('/api/v1/verifications').send({ token }).expect(200);
    const verified = await staffView(reference);
    await staff()
      .post(`/api/v1/staff/requests/${reference}/approve`)
      .set('Authorization', dpo)
      .send({ version: verified.version })
      .expect(200);

    const failed = await eventually(async () => {
      const view = await staffView(reference);
      return view.status === 'failed' ? view : undefined;
    }, 30_000);
    const crm = failed.tasks.find((t) => t.source === 'crm');
    expect(crm).toMatchObject({
      status: 'failed',
      attempts: retryLimit + 1,
      error: `crm did not answer within ${timeoutMs} ms`,
    });
    // Every attempt reached the source, each under the task's one Idempotency-Key.
    expect(source.received).toHaveLength(retryLimit + 1);
    expect(new Set(source.received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    // Backoff on, as in production (pg-boss spaces the attempts); the job is spent, not lost.
    // (The request fails inside the last attempt; pg-boss marks its job done just after.)
    const id = await taskId(row.id);
    const rows = await eventually(async () => {
      const jobs = await rt.database.executeSql(
        "select state, retry_backoff, retry_count from pgboss.job where name = 'fulfilment.task' and data->>'taskId' = $1",
        [id],
      );
      return jobs.rows.every((j) => j.state !== 'active') && jobs.rows;
    });
    expect(rows).toEqual([{ state: 'completed', retry_backoff: true, retry_count: retryLimit }]);
    // The trail tells the DPO why: the failure event names the source, not the subject.
    const events = (await staff().get(`/api/v1/staff/requests/${reference}`).set('Authorization', dpo)).body
      .events as { kind: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.kind === 'request.fail')?.data).toMatchObject({ source: 'crm' });

    source.answer(() => ({ status: 200, body: { receipt: { erased: true } } }));
    await staff()
      .post(`/api/v1/staff/requests/${reference}/retry`)
      .set('Authorization', dpo)
      .send({ version: failed.version })
      .expect(200);
    const completed = await eventually(async () => {
      const view = await staffView(reference);
      return view.status === 'completed' ? view : undefined;
    }, 30_000);
    expect(completed.tasks.find((t) => t.source === 'crm')).toMatchObject({ status: 'done', error: null });
    expect(source.received).toHaveLength(retryLimit + 2);
    const completions = await rt.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.requestId, row.id), eq(outbox.subject, `Your request ${reference} is complete`)));
    expect(completions).toHaveLength(1);
  });
});

async function taskId(requestId: string): Promise<string> {
  const { rows } = await rt.database.executeSql(
    "select id from fulfilment_tasks where request_id = $1 and source = 'crm'",
    [requestId],
  );
  return String(rows[0]?.id);
}
