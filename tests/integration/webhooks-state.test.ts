import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditChain } from '../../src/audit/audit-sealer.ts';
import { webhookState } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { startWebhooks } from '../../src/webhooks/webhooks-dispatcher.ts';
import {
  claimWebhookLease,
  ensureWebhookState,
  markWebhookDelivered,
  readWebhookState,
  releaseWebhookLease,
} from '../../src/webhooks/webhooks-repo.ts';
import { deliverWebhooks } from '../../src/webhooks/webhooks-service.ts';
import { generousLimits, submitApi } from '../helpers/intake.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';
import { type Receiver, startReceiver } from '../helpers/webhook-receiver.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
let receiver: Receiver;
let rt: TestRuntime;
let n = 0;

/** A request filed and its events sealed (no worker runs here: the tests drive sealing and delivery). */
async function fileAndSeal(): Promise<void> {
  await submitApi(rt.app, { type: 'access', law: 'gdpr', email: `state-${++n}@example.org` }).expect(202);
  await sealAuditChain(rt.database.db);
}
const dispatch = () =>
  startWebhooks(
    {
      db: rt.database.db,
      now: () => new Date(),
      logger: createLogger('silent'),
      settings: rt.config.webhook!,
    },
    50,
  );

beforeAll(async () => {
  receiver = await startReceiver();
  rt = await createTestRuntime({
    worker: false,
    env: { ...generousLimits, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret },
  });
});
afterAll(async () => {
  await rt?.dispose();
  await receiver?.close();
});

describe('webhook delivery state', () => {
  it('stop() while the receiver hangs → the POST in flight is abandoned, the event stays at the head, not counted as a failure', async () => {
    receiver.status = 'hang';
    const dispatcher = await dispatch();
    const start = await readWebhookState(rt.database.db);
    await fileAndSeal();
    await eventually(async () => receiver.deliveries.length === 1);
    await dispatcher.stop();
    await eventually(async () => receiver.deliveries[0]?.aborted);
    expect(await readWebhookState(rt.database.db)).toMatchObject({
      lastSeq: start?.lastSeq,
      attempts: 0,
      lastError: null,
      leaseToken: null,
      leaseUntil: null,
    });
    receiver.status = 204;
  });

  it('a worker whose lease ran out → its late writes change nothing; the new holder keeps cursor and lease', async () => {
    const state = await readWebhookState(rt.database.db);
    const stale = randomUUID();
    expect(await claimWebhookLease(rt.database.db, stale, new Date())).toMatchObject({
      lastSeq: state?.lastSeq,
    });
    // Held: nobody else gets it.
    expect(await claimWebhookLease(rt.database.db, randomUUID(), new Date())).toBeUndefined();
    // The stale worker stalls past its lease; another takes over.
    await rt.database.db.update(webhookState).set({ leaseUntil: sql`now() - interval '1 second'` });
    const fresh = randomUUID();
    expect(await claimWebhookLease(rt.database.db, fresh, new Date())).toBeDefined();
    expect(
      await markWebhookDelivered(rt.database.db, stale, state!.lastSeq, state!.lastSeq + 5, new Date()),
    ).toBe(false);
    await releaseWebhookLease(rt.database.db, stale);
    expect(await readWebhookState(rt.database.db)).toMatchObject({
      lastSeq: state?.lastSeq,
      leaseToken: fresh,
    });
    // The holder's own write moves the cursor only from where it read it.
    expect(
      await markWebhookDelivered(rt.database.db, fresh, state!.lastSeq + 1, state!.lastSeq + 2, new Date()),
    ).toBe(false);
    await releaseWebhookLease(rt.database.db, fresh);
    expect(await readWebhookState(rt.database.db)).toMatchObject({
      lastSeq: state?.lastSeq,
      leaseToken: null,
    });
  });

  it('the receiver answers with a redirect → not followed, counted as a failure, the event stays at the head', async () => {
    const before = await readWebhookState(rt.database.db);
    receiver.status = 302;
    const count = receiver.deliveries.length;
    const run = await deliverWebhooks({
      db: rt.database.db,
      now: () => new Date(),
      logger: createLogger('silent'),
      settings: rt.config.webhook!,
    });
    receiver.status = 204;
    expect(run).toEqual({ delivered: 0, failed: 'HTTP 302' });
    expect(receiver.deliveries.length).toBe(count + 1);
    expect(await readWebhookState(rt.database.db)).toMatchObject({ lastSeq: before?.lastSeq, attempts: 1 });
  });

  it('the same endpoint again → resumes at its cursor; a changed WEBHOOK_URL → starts at the chain tip, backoff cleared', async () => {
    const before = await readWebhookState(rt.database.db);
    expect(await ensureWebhookState(rt.database.db, before!.endpoint)).toBe('resumed');
    expect(await readWebhookState(rt.database.db)).toMatchObject({ lastSeq: before?.lastSeq });
    await rt.database.db
      .update(webhookState)
      .set({ attempts: 3, lastError: 'HTTP 500', nextAttemptAt: new Date() });
    await fileAndSeal();
    expect(await ensureWebhookState(rt.database.db, 'another endpoint')).toBe('reset');
    const [tip] = (await rt.database.executeSql('select max(seq)::int as seq from audit_events')).rows;
    expect(await readWebhookState(rt.database.db)).toMatchObject({
      endpoint: 'another endpoint',
      lastSeq: Number(tip?.seq),
      attempts: 0,
      lastError: null,
      nextAttemptAt: null,
    });
  });
});

describe('webhooks off (no WEBHOOK_URL)', () => {
  it('no delivery state is kept, and /metrics has no webhook series', async () => {
    const off = await createTestRuntime({ env: generousLimits });
    try {
      await submitApi(off.app, { type: 'access', law: 'gdpr', email: 'off@example.org' }).expect(202);
      expect(await readWebhookState(off.database.db)).toBeUndefined();
      const text = await off.appDeps.metrics!.registry.metrics();
      expect(text).not.toMatch(/^rightsdesk_webhook_undelivered /m);
    } finally {
      await off.dispose();
    }
  });
});
