import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectedRecords, fulfilmentTasks } from '../../src/db/schema.ts';
import { startFulfilment } from '../../src/fulfilment/fulfilment-start.ts';
import { runTask, settleWaitingTask } from '../../src/fulfilment/task-runner.ts';
import { settleTask, startAttempt } from '../../src/fulfilment/tasks-repo.ts';
import { transitionRequest } from '../../src/requests/request-transition.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { type HttpSourceServer, startHttpSource } from '../helpers/http-source.ts';
import { findByReference } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// No worker here: the tests drive runTask and settleWaitingTask by hand to stage the races.
const secret = 'race-source-secret-0123456789abcdef';
let rt: TestRuntime;
let source: HttpSourceServer;
let dpo: string;

beforeAll(async () => {
  source = await startHttpSource({ secret, now: () => new Date() });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-sources-')), 'sources.json');
  const http = (name: string) => ({
    name,
    kind: 'http',
    url: source.url,
    secretEnv: 'RACE_SECRET',
    holds: ['contact'],
    actions: ['access', 'opt_out'],
  });
  writeFileSync(file, JSON.stringify({ sources: [http('one'), http('two')] }));
  rt = await createTestRuntime({ worker: false, env: { SOURCES_FILE: file, RACE_SECRET: secret } });
  dpo = await bearerFor(rt, await createStaff(rt, { role: 'dpo' }));
});
afterAll(async () => {
  await rt?.dispose();
  await source?.close();
});

async function optOut() {
  const email = `race-${Date.now()}-${Math.random()}@example.org`;
  const { reference } = await submitRequest(
    rt.requests,
    { type: 'opt_out', law: 'gdpr', email },
    { channel: 'api', locale: 'en' },
  );
  const row = await findByReference(rt.database.db, reference);
  const tasks = await rt.database.db
    .select()
    .from(fulfilmentTasks)
    .where(eq(fulfilmentTasks.requestId, row.id));
  const id = (name: string) => tasks.find((t) => t.source === name)!.id;
  return { reference, requestId: row.id, id };
}

describe('fulfilment races and leftovers', () => {
  it('a source fails while another task is still pending → retry reruns both, the request completes', async () => {
    const { reference, id } = await optOut();
    source.answer(() => ({ status: 500, body: {} }));
    expect(await runTask(rt.fulfilment, id('one'), rt.fulfilment.retryLimit)).toBe('failed');
    expect((await findByReference(rt.database.db, reference)).status).toBe('failed');
    // Its job runs after the request failed: skipped, and left pending with no job of its own.
    expect(await runTask(rt.fulfilment, id('two'), 0)).toBe('skipped');

    const version = (await findByReference(rt.database.db, reference)).version;
    await request(rt.app)
      .post(`/api/v1/staff/requests/${reference}/retry`)
      .set('Authorization', dpo)
      .send({ version })
      .expect(200);
    // The retry gave the orphaned pending task a job of its own again (besides the one from intake).
    const jobs = await rt.database.executeSql(
      "select count(*)::int as n from pgboss.job where name = 'fulfilment.task' and data->>'taskId' = $1",
      [id('two')],
    );
    expect(Number(jobs.rows[0]?.n)).toBe(2);
    source.answer(() => ({ status: 200, body: {} }));
    for (const name of ['one', 'two', 'rightsdesk'])
      expect(await runTask(rt.fulfilment, id(name), 0)).toBe('done');
    expect((await findByReference(rt.database.db, reference)).status).toBe('completed');
  });

  it('a second job for a task whose attempt is running now → not claimed; a dead attempt past expiry → taken over', async () => {
    const { id } = await optOut();
    const t0 = new Date('2026-03-02T10:00:00Z');
    expect(await startAttempt(rt.database.db, id('one'), t0, t0)).toBeDefined();
    expect(await startAttempt(rt.database.db, id('one'), t0, t0)).toBeUndefined();
    const later = new Date(t0.getTime() + 16 * 60_000);
    const takenOver = await startAttempt(
      rt.database.db,
      id('one'),
      later,
      new Date(later.getTime() - 15 * 60_000),
    );
    expect(takenOver?.attempts).toBe(2);
  });

  it('two callbacks for one waiting access task at once → one settles, records written once', async () => {
    const email = `cb-${Date.now()}@example.org`;
    const { reference } = await submitRequest(
      rt.requests,
      { type: 'access', law: 'gdpr', email },
      { channel: 'api', locale: 'en' },
    );
    const row = await findByReference(rt.database.db, reference);
    // Stage what verification and approval do: processing with tasks, one waiting for its callback.
    await rt.database.db.transaction(async (tx) => {
      let current = row;
      for (const action of ['verify', 'approve'] as const) {
        current = await transitionRequest(tx, {
          request: current,
          action,
          actor: action === 'verify' ? 'subject' : 'dpo',
          actorId: 'test',
          now: new Date(),
          clock: rt.config.clock,
        });
      }
      await startFulfilment(tx, rt.requests, current, new Date());
    });
    const [task] = await rt.database.db
      .select()
      .from(fulfilmentTasks)
      .where(eq(fulfilmentTasks.requestId, row.id))
      .then((ts) => ts.filter((t) => t.source === 'one'));
    await startAttempt(rt.database.db, task!.id, new Date(), new Date());
    await settleTask(rt.database.db, task!.id, ['running'], { status: 'waiting' }, new Date());

    const rows = Array.from({ length: 50 }, (_, i) => ({ n: i }));
    const callback = () =>
      settleWaitingTask(rt.fulfilment, {
        source: 'one',
        reference,
        action: 'access',
        result: {
          ok: true,
          receipt: { collections: [], fields: [], summary: 'ok' },
          records: { items: rows },
        },
      });
    const outcomes = await Promise.all([callback(), callback()]);
    expect(outcomes.filter((o) => o === 'settled')).toHaveLength(1);
    const stored = await rt.database.db
      .select()
      .from(collectedRecords)
      .where(eq(collectedRecords.taskId, task!.id));
    expect(stored).toHaveLength(50);
  });
});
