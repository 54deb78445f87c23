import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seenSignatures } from '../../src/db/schema.ts';
import type { FulfilmentDeps } from '../../src/fulfilment/fulfilment-deps.ts';
import { callbackRoutes } from '../../src/fulfilment/http/callback-routes.ts';
import { purgeSeenSignatures, recordSignature } from '../../src/fulfilment/http/seen-signatures-repo.ts';
import { SIGNATURE_HEADER, signatureFor, signBody } from '../../src/fulfilment/http/signature.ts';
import {
  countCollectedRecords,
  findTask,
  insertTasks,
  settleTask,
  startAttempt,
} from '../../src/fulfilment/tasks-repo.ts';
import { errorHandler, notFound } from '../../src/http/error-handler.ts';
import { findRequestByReference } from '../../src/requests/requests-repo.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const SECRET = 'newsletter-callback-secret-0123456789';
let clock = new Date('2026-03-02T10:00:00.000Z');
let rt: TestRuntime;
let app: Express;

/** The callback router in a tiny app shaped like the real one: global JSON parser after it. */
function callbackApp(
  fulfilment: FulfilmentDeps,
  mount: 'before-json' | 'after-json' = 'before-json',
): Express {
  const tiny = express();
  if (mount === 'after-json') tiny.use(express.json({ limit: '64kb' }));
  tiny.use(callbackRoutes({ fulfilment, secretFor: (name) => (name === 'newsletter' ? SECRET : undefined) }));
  if (mount === 'before-json') tiny.use(express.json({ limit: '64kb' }));
  tiny.use(notFound());
  tiny.use(errorHandler(rt.views));
  return tiny;
}

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false, now: () => clock });
  app = callbackApp(rt.fulfilment);
});
afterAll(async () => {
  await rt.dispose();
});
beforeEach(async () => {
  // A new hour per test: no test's signatures can collide with another's.
  clock = new Date(clock.getTime() + 3_600_000);
  await rt.database.db.delete(seenSignatures);
});

const post = (text: string, header?: string, source = 'newsletter', target: Express = app) => {
  const req = request(target).post(`/api/v1/callbacks/${source}`).set('Content-Type', 'application/json');
  return (header === undefined ? req : req.set(SIGNATURE_HEADER, header)).send(text);
};
const textOf = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body));
/** Posts `body` signed with the shared secret at the clock (or `options.at`, or another secret). */
const signed = (body: unknown, options: { at?: Date; secret?: string } = {}) =>
  post(textOf(body), signBody(options.secret ?? SECRET, textOf(body), options.at ?? clock));
const seen = () => rt.database.db.select().from(seenSignatures);

const failedErase = { reference: 'RD-2222-3333', action: 'erase', status: 'failed', error: 'locked' };

function expectProblem(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    status,
    code,
    instance: expect.stringMatching(/^\/api\/v1\/callbacks\//),
  });
}

describe('who may call back', () => {
  it('unknown source → 404 problem, nothing remembered', async () => {
    const text = JSON.stringify(failedErase);
    const res = await post(text, signBody(SECRET, text, clock), 'crm');
    expectProblem(res, 404, 'NOT_FOUND');
    expect(await seen()).toEqual([]);
  });

  it('no signature header → 401 SIGNATURE_MISSING', async () => {
    expectProblem(await post(JSON.stringify(failedErase)), 401, 'SIGNATURE_MISSING');
  });

  it('garbled signature header → 401 SIGNATURE_MALFORMED', async () => {
    expectProblem(await post(JSON.stringify(failedErase), 'hmac abc'), 401, 'SIGNATURE_MALFORMED');
  });

  it('signed with another secret → 401 SIGNATURE_INVALID', async () => {
    expectProblem(await signed(failedErase, { secret: 'someone-else' }), 401, 'SIGNATURE_INVALID');
  });

  it('body altered after signing (even whitespace) → 401 SIGNATURE_INVALID', async () => {
    const text = JSON.stringify(failedErase);
    const res = await post(JSON.stringify(failedErase, null, 1), signBody(SECRET, text, clock));
    expectProblem(res, 401, 'SIGNATURE_INVALID');
  });

  it('signed 301 s before our clock, or 301 s after → 401 SIGNATURE_STALE; nothing remembered', async () => {
    expectProblem(
      await signed(failedErase, { at: new Date(clock.getTime() - 301_000) }),
      401,
      'SIGNATURE_STALE',
    );
    expectProblem(
      await signed(failedErase, { at: new Date(clock.getTime() + 301_000) }),
      401,
      'SIGNATURE_STALE',
    );
    expect(await seen()).toEqual([]);
  });

  it('not JSON as content type → 415', async () => {
    const text = JSON.stringify(failedErase);
    const res = await request(app)
      .post('/api/v1/callbacks/newsletter')
      .set('Content-Type', 'text/plain')
      .set(SIGNATURE_HEADER, signBody(SECRET, text, clock))
      .send(text);
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('replays', () => {
  // The first copy is refused as invalid (400) after its signature was remembered, so these tests
  // do not depend on the task runner.
  const invalid = { reference: 'RD-2222-3333', action: 'erase', status: 'finished' };

  it('same signed callback twice → first answered, second 409 SIGNATURE_REPLAYED', async () => {
    const text = JSON.stringify(invalid);
    const header = signBody(SECRET, text, clock);
    expectProblem(await post(text, header), 400, 'VALIDATION_FAILED');
    expectProblem(await post(text, header), 409, 'SIGNATURE_REPLAYED');
  });

  it('replay with the header re-spaced and a decoy v1 added → still 409 SIGNATURE_REPLAYED', async () => {
    const text = JSON.stringify(invalid);
    const t = Math.floor(clock.getTime() / 1000);
    const v1 = signatureFor(SECRET, t, text);
    expectProblem(await post(text, `t=${t},v1=${v1}`), 400, 'VALIDATION_FAILED');
    expectProblem(await post(text, `t=${t}, v1=${'0'.repeat(64)}, v1=${v1}`), 409, 'SIGNATURE_REPLAYED');
  });

  it('accepted signature → remembered (hashed) until 2 × 300 s after it arrived', async () => {
    const text = JSON.stringify(invalid);
    const header = signBody(SECRET, text, clock);
    await post(text, header);
    const rows = await seen();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.signatureHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.signatureHash).not.toContain(header.split('v1=')[1]);
    expect(rows[0]!.expiresAt).toEqual(new Date(clock.getTime() + 600_000));
  });

  it('replay 10 minutes later → 401 stale: the timestamp check takes over from the memory', async () => {
    const text = JSON.stringify(invalid);
    const header = signBody(SECRET, text, clock);
    await post(text, header);
    clock = new Date(clock.getTime() + 600_001);
    expect(await purgeSeenSignatures(rt.database.db, clock)).toBe(1);
    expectProblem(await post(text, header), 401, 'SIGNATURE_STALE');
  });

  it('purge → deletes signatures expired before now, keeps one expiring exactly now and later ones', async () => {
    const at = (ms: number) => new Date(clock.getTime() + ms);
    expect(await recordSignature(rt.database.db, 'a'.repeat(64), at(-1))).toBe(true);
    expect(await recordSignature(rt.database.db, 'b'.repeat(64), at(0))).toBe(true);
    expect(await recordSignature(rt.database.db, 'c'.repeat(64), at(60_000))).toBe(true);
    expect(await recordSignature(rt.database.db, 'c'.repeat(64), at(60_000))).toBe(false);
    expect(await purgeSeenSignatures(rt.database.db, clock)).toBe(1);
    expect((await seen()).map((r) => r.signatureHash).sort()).toEqual(['b'.repeat(64), 'c'.repeat(64)]);
  });
});

describe('body', () => {
  it('signed callback missing its fields → 400 naming reference, action and status', async () => {
    const res = await signed({ receipt: {} });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'action',
      'reference',
      'status',
    ]);
  });

  it('signed callback with a reference that is not one → 400 naming reference', async () => {
    const res = await signed({ ...failedErase, reference: 'order-1234' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'reference', message: expect.stringMatching(/RD-/) }]);
  });

  it('signed erase callback carrying records → 400 naming records', async () => {
    const res = await signed({ ...failedErase, status: 'done', records: { subscribers: [{ id: 1 }] } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([
      { path: 'records', message: 'only a done access callback carries records' },
    ]);
  });

  it('signed body that is not JSON → 400 BAD_JSON', async () => {
    expectProblem(await signed('{"reference":'), 400, 'BAD_JSON');
  });

  it('signed body over the app-wide 64 kB JSON limit → read and checked here, not refused as too large', async () => {
    const padding = 'x'.repeat(100 * 1024);
    const res = await signed({ ...failedErase, reference: 'nope', receipt: { padding } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['reference', 'receipt']);
  });

  it('body over 20 MB → 413, nothing remembered', async () => {
    const text = `{"padding":"${'x'.repeat(20 * 1024 * 1024)}"}`;
    expectProblem(await post(text, signBody(SECRET, text, clock)), 413, 'PAYLOAD_TOO_LARGE');
    expect(await seen()).toEqual([]);
  });

  it('stale or missing header on a body over 20 MB → 401 before the body is read (not 413)', async () => {
    const text = `{"padding":"${'x'.repeat(20 * 1024 * 1024)}"}`;
    const old = new Date(clock.getTime() - 3_600_000);
    expectProblem(await post(text, signBody(SECRET, text, old)), 401, 'SIGNATURE_STALE');
    expectProblem(await post(text), 401, 'SIGNATURE_MISSING');
  });
});

describe('mounting', () => {
  it('router mounted after express.json() → 500, never a check against a re-serialised body', async () => {
    const misMounted = callbackApp(rt.fulfilment, 'after-json');
    const text = JSON.stringify(failedErase);
    const res = await post(text, signBody(SECRET, text, clock), 'newsletter', misMounted);
    expectProblem(res, 500, 'INTERNAL');
  });
});

describe('settling (needs the task runner: settleWaitingTask)', () => {
  async function waitingTask(action: 'access' | 'erase') {
    const { reference } = await submitRequest(
      rt.requests,
      { type: action, law: 'ccpa', email: `cb-${randomUUID()}@example.org` },
      { channel: 'api', locale: 'en' },
    );
    const req = (await findRequestByReference(rt.database.db, reference))!;
    const id = randomUUID();
    await insertTasks(rt.database.db, [{ id, requestId: req.id, source: 'newsletter', action, now: clock }]);
    await startAttempt(rt.database.db, id, clock, clock);
    expect(await settleTask(rt.database.db, id, ['running'], { status: 'waiting' }, clock)).toBe(true);
    return { reference, taskId: id };
  }

  it('well-formed callback for a reference nobody waits on → 409 TASK_NOT_WAITING; its replay → 409 replayed', async () => {
    const text = JSON.stringify(failedErase);
    const header = signBody(SECRET, text, clock);
    expectProblem(await post(text, header), 409, 'TASK_NOT_WAITING');
    expectProblem(await post(text, header), 409, 'SIGNATURE_REPLAYED');
  });

  it('done access callback for a waiting task → 200 {ok:true}, records stored, receipt counts them', async () => {
    const { reference, taskId } = await waitingTask('access');
    const records = { subscribers: [{ list: 'weekly' }, { list: 'offers' }], clicks: [{ n: 1 }] };
    // A lower-case reference is normalised like everywhere else.
    const res = await signed({
      reference: reference.toLowerCase(),
      action: 'access',
      status: 'done',
      receipt: { ticket: 'nl-9' },
      records,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    const task = (await findTask(rt.database.db, taskId))!;
    expect(task.status).toBe('done');
    expect(task.receipt).toEqual({
      collections: [
        { collection: 'subscribers', found: 2 },
        { collection: 'clicks', found: 1 },
      ],
      fields: [],
      external: { ticket: 'nl-9' },
      summary: 'newsletter returned 3 records in 2 collections',
    });
    expect(await countCollectedRecords(rt.database.db, taskId)).toEqual({ subscribers: 2, clicks: 1 });
  });

  it('failed erase callback for a waiting task → 200, the task failed with the reason; a second one → 409', async () => {
    const { reference, taskId } = await waitingTask('erase');
    const body = { reference, action: 'erase', status: 'failed', error: 'mailing platform locked' };
    expect((await signed(body)).status).toBe(200);
    const task = (await findTask(rt.database.db, taskId))!;
    expect(task.status).toBe('failed');
    expect(task.lastError).toBe('newsletter reported: mailing platform locked');
    expectProblem(await signed({ ...body, error: 'again' }), 409, 'TASK_NOT_WAITING');
  });

  it('callback for the waiting task but another action → 409, the task still waits', async () => {
    const { reference, taskId } = await waitingTask('erase');
    expectProblem(await signed({ reference, action: 'opt_out', status: 'done' }), 409, 'TASK_NOT_WAITING');
    expect((await findTask(rt.database.db, taskId))!.status).toBe('waiting');
  });

  it('settling fails on our side → 500 and the signature forgotten, so the same callback can be resent', async () => {
    // A real failure: the tasks table is briefly not there.
    await rt.database.executeSql('alter table fulfilment_tasks rename to fulfilment_tasks_away');
    try {
      const text = JSON.stringify(failedErase);
      const header = signBody(SECRET, text, clock);
      expectProblem(await post(text, header), 500, 'INTERNAL');
      expect(await seen()).toEqual([]);
      expectProblem(await post(text, header), 500, 'INTERNAL');
    } finally {
      await rt.database.executeSql('alter table fulfilment_tasks_away rename to fulfilment_tasks');
    }
  });
});
