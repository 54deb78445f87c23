import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEvent } from '../../src/audit/audit-service.ts';
import { requests } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { startWebhooks } from '../../src/webhooks/webhooks-dispatcher.ts';
import { readWebhookState } from '../../src/webhooks/webhooks-repo.ts';
import { generousLimits, submitApi } from '../helpers/intake.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';
import { type Delivery, type Receiver, startReceiver } from '../helpers/webhook-receiver.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const verifier = new Webhook(secret);
type Event = {
  type: string;
  timestamp: string;
  data: { seq: number; actor: string; request: Record<string, string>; details: Record<string, unknown> };
};
const eventOf = (d: Delivery) => verifier.verify(d.body, d.headers as Record<string, string>) as Event;
/** One unlabelled gauge's value as /metrics would show it; undefined when it has no series. */
async function metric(name: string): Promise<number | undefined> {
  const text = await rt.appDeps.metrics!.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
const accepted = (r: Receiver) => r.deliveries.filter((d) => d.answered >= 200 && d.answered < 300);

let receiver: Receiver;
let rt: TestRuntime;
let clock = new Date('2026-03-02T09:00:00Z');
let n = 0;
const file = async () => {
  const res = await submitApi(rt.app, {
    type: 'access',
    law: 'gdpr',
    email: `hook-${++n}@example.org`,
    name: 'Ana Hookowska',
  }).expect(202);
  return res.body.reference as string;
};

beforeAll(async () => {
  receiver = await startReceiver();
  rt = await createTestRuntime({
    env: { ...generousLimits, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret },
    now: () => clock,
  });
});
afterAll(async () => {
  await rt?.dispose();
  await receiver?.close();
});

describe('request events delivered to WEBHOOK_URL (Standard Webhooks)', () => {
  it('a request filed → request.received POSTed, signed so the reference library verifies it, with no email or name', async () => {
    const reference = await file();
    const delivery = await eventually(async () => accepted(receiver).find((d) => d.body.includes(reference)));
    const event = eventOf(delivery);
    expect(event).toMatchObject({
      type: 'request.received',
      timestamp: clock.toISOString(),
      data: { actor: 'subject', request: { reference, type: 'access', law: 'gdpr', status: 'unverified' } },
    });
    expect(delivery.headers['webhook-id']).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.body).not.toMatch(/hook-\d+@example\.org|Hookowska/);
  });

  it('several requests → delivered in chain order, each once', async () => {
    const references = [await file(), await file(), await file()];
    const events = await eventually(async () => {
      const got = accepted(receiver)
        .map(eventOf)
        .filter((e) => references.includes(e.data.request.reference ?? ''));
      return got.length >= 3 ? got : undefined;
    });
    expect(events.map((e) => e.data.request.reference)).toEqual(references);
    const seqs = accepted(receiver).map((d) => eventOf(d).data.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const ids = accepted(receiver).map((d) => d.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the receiver answers 503 → the cursor stays, the same event is retried after the backoff, then the next in order', async () => {
    receiver.status = 503;
    const first = await file();
    const failed = await eventually(async () => receiver.deliveries.find((d) => d.answered === 503));
    expect(eventOf(failed).data.request.reference).toBe(first);
    const state = await eventually(async () => {
      const row = await readWebhookState(rt.database.db);
      return row?.attempts === 1 ? row : undefined;
    });
    expect(state.lastError).toBe('HTTP 503');
    expect(state.nextAttemptAt).toEqual(new Date(clock.getTime() + 5000));
    const second = await file();
    // What an operator's alert sees while the receiver is down.
    await expect.poll(() => metric('rightsdesk_webhook_undelivered'), { timeout: 10_000 }).toBe(2);
    expect(await metric('rightsdesk_webhook_failed_attempts')).toBe(1);
    receiver.status = 204;
    // The app's clock passes the backoff: the failed event goes again under its own id, then the next.
    clock = new Date(clock.getTime() + 6000);
    const retried = await eventually(async () => {
      const got = accepted(receiver)
        .map(eventOf)
        .map((e) => e.data.request.reference);
      return got.includes(second) ? got : undefined;
    });
    expect(retried.slice(-2)).toEqual([first, second]);
    const again = accepted(receiver).find((d) => d.body.includes(first));
    expect(again?.headers['webhook-id']).toBe(failed.headers['webhook-id']);
    expect(await readWebhookState(rt.database.db)).toMatchObject({ attempts: 0, lastError: null });
    expect(await metric('rightsdesk_webhook_failed_attempts')).toBe(0);
    await expect.poll(() => metric('rightsdesk_webhook_undelivered'), { timeout: 10_000 }).toBe(0);
  });

  it('staff reading a request → not sent; a staff action → sent with the actor as "staff", never the account id', async () => {
    const reference = await file();
    const [row] = await rt.database.db.select().from(requests).where(eq(requests.reference, reference));
    const staffId = randomUUID();
    await appendAuditEvent(rt.database.db, {
      requestId: row!.id,
      kind: 'request.viewed',
      actor: staffId,
      at: clock,
    });
    await appendAuditEvent(rt.database.db, {
      requestId: row!.id,
      kind: 'export.previewed',
      actor: staffId,
      at: clock,
    });
    // An assignment records the assignee's account id; the payload says only that it is assigned.
    await appendAuditEvent(rt.database.db, {
      requestId: row!.id,
      kind: 'request.assign',
      actor: staffId,
      data: { assignee: staffId, version: 2 },
      at: clock,
    });
    const assign = await eventually(async () =>
      accepted(receiver)
        .map(eventOf)
        .find((e) => e.type === 'request.assign' && e.data.request.reference === reference),
    );
    expect(assign.data.actor).toBe('staff');
    expect(assign.data).toMatchObject({ details: { assigned: true, version: 2 } });
    const all = accepted(receiver).map((d) => d.body);
    expect(all.some((body) => body.includes('request.viewed') || body.includes('export.previewed'))).toBe(
      false,
    );
    expect(all.some((body) => body.includes(staffId))).toBe(false);
  });

  it('a second worker delivering at the same time → each event still once (one lease holder at a time)', async () => {
    const other = await startWebhooks(
      { db: rt.database.db, now: () => clock, logger: createLogger('silent'), settings: rt.config.webhook! },
      50,
    );
    try {
      const before = accepted(receiver).length;
      const references = [await file(), await file(), await file(), await file()];
      await eventually(async () => {
        const got = accepted(receiver)
          .map(eventOf)
          .filter((e) => references.includes(e.data.request.reference ?? ''));
        return got.length >= 4;
      });
      const ids = accepted(receiver)
        .slice(before)
        .map((d) => d.headers['webhook-id']);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await other.stop();
    }
  });
});
