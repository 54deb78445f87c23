import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskContext } from '../../src/fulfilment/connector.ts';
import { createDemoNewsletter, DEMO_NEWSLETTER_FILE } from '../../src/fulfilment/demo/demo-newsletter.ts';
import { type NewsletterData, seedNewsletterData } from '../../src/fulfilment/demo/demo-newsletter-data.ts';
import {
  demoNewsletterRouter,
  demoNewsletterRoutes,
} from '../../src/fulfilment/demo/demo-newsletter-routes.ts';
import {
  DEMO_NEWSLETTER_HOOK_PATH,
  demoNewsletterSecret,
  demoSources,
} from '../../src/fulfilment/demo/demo-sources.ts';
import { createHttpConnector } from '../../src/fulfilment/http/http-connector.ts';
import { callbackBody, sourceAnswer } from '../../src/fulfilment/http/http-schemas.ts';
import { SIGNATURE_HEADER, signBody, verifySignature } from '../../src/fulfilment/http/signature.ts';

const secretKey = 'demo-test-secret-key-long-enough-0123456789';
const secret = demoNewsletterSecret(secretKey);
let clock = new Date('2026-02-02T09:00:00.000Z');
const now = () => clock;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  clock = new Date('2026-02-02T09:00:00.000Z');
});

/** A callback receiver on a real port: records each call; `answer` picks the status per call number. */
async function callbackServer(answer: (call: number) => number = () => 200) {
  const calls: { path: string; header: string | undefined; text: string }[] = [];
  let notify = () => {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({
        path: req.url ?? '',
        header: req.headers['rightsdesk-signature'] as string | undefined,
        text: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = answer(calls.length);
      res.end();
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const waitFor = async (n: number, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (calls.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} callback(s), got ${calls.length}`);
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, 50);
      });
    }
    return calls;
  };
  return { url, calls, waitFor };
}

function setup(options: { publicUrl?: string; dataDir?: string } = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'rd-newsletter-'));
  if (!options.dataDir) cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const newsletter = createDemoNewsletter({
    dataDir,
    secret,
    now,
    eraseDelayMs: 30,
    retryDelayMs: 20,
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  cleanup.push(() => newsletter.close());
  const app = express();
  // As in the app: the router before the global JSON parser, which other routes still get.
  app.use(demoNewsletterRouter(newsletter));
  app.use(express.json());
  app.post('/echo', (req, res) => {
    res.json(req.body);
  });
  const file = path.join(dataDir, DEMO_NEWSLETTER_FILE);
  const stored = (): NewsletterData => JSON.parse(readFileSync(file, 'utf8'));
  return { app, dataDir, file, stored, newsletter };
}

function hook(app: express.Express, body: unknown, sign: { secret?: string; at?: Date } | false = {}) {
  const text = JSON.stringify(body);
  const req = request(app).post(DEMO_NEWSLETTER_HOOK_PATH).set('Content-Type', 'application/json');
  if (sign) req.set(SIGNATURE_HEADER, signBody(sign.secret ?? secret, text, sign.at ?? clock));
  return req.send(text);
}

const call = (action: string, email: string, extra: Record<string, unknown> = {}) => ({
  action,
  reference: 'RD-7K3M-Q9XP',
  subject: { email },
  ...extra,
});

function expectSignedByNewsletter(res: request.Response): unknown {
  const check = verifySignature(secret, res.headers['rightsdesk-signature'], res.text, clock);
  expect(check.ok).toBe(true);
  return JSON.parse(res.text);
}

/** Everyone's subscriptions except one person's, as stored. */
const othersThan = (data: NewsletterData, email: string) =>
  data.subscriptions.filter((s) => s.email.toLowerCase() !== email.toLowerCase());

describe('demo newsletter hook', () => {
  it('signed access → 200 with the subscriptions, an answer whose signature verifies and parses', async () => {
    const { app } = setup();
    const res = await hook(app, call('access', 'ada@example.com', { callbackUrl: 'http://x.test/cb' }));
    expect(res.status).toBe(200);
    const answer = sourceAnswer.parse(expectSignedByNewsletter(res));
    expect(answer.receipt).toEqual({ found: 2 });
    expect(answer.records?.subscriptions?.map((s) => [s.list, s.status])).toEqual([
      ['product-updates', 'subscribed'],
      ['weekly-tips', 'subscribed'],
    ]);
  });

  it('access typed in another case → that person found; unknown person → found 0', async () => {
    const { app } = setup();
    const zoe = await hook(app, call('access', ' zoe.lukasiewicz@EXAMPLE.NET '));
    expect(JSON.parse(zoe.text).records.subscriptions[0].name).toBe('Zoë Łukasiewicz');
    expect(JSON.parse(zoe.text).receipt).toEqual({ found: 2 });
    const nobody = await hook(app, call('access', 'nobody@example.com'));
    expect(JSON.parse(nobody.text)).toEqual({ records: { subscriptions: [] }, receipt: { found: 0 } });
  });

  it.each([
    ['unsigned', false as const, 'signature missing'],
    ['signed ten minutes ago (stale)', { at: new Date(clock.getTime() - 10 * 60_000) }, 'signature stale'],
    ['signed with another secret', { secret: 'not-the-secret' }, 'signature mismatch'],
  ])('%s request → 401 and the store untouched', async (_name, sign, detail) => {
    const { app, file } = setup();
    const res = await hook(app, call('opt_out', 'ada@example.com'), sign);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status: 401, detail });
    expect(res.headers['rightsdesk-signature']).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });

  it('body changed after signing → 401', async () => {
    const { app } = setup();
    const signed = JSON.stringify(call('access', 'ada@example.com'));
    const res = await request(app)
      .post(DEMO_NEWSLETTER_HOOK_PATH)
      .set('Content-Type', 'application/json')
      .set(SIGNATURE_HEADER, signBody(secret, signed, clock))
      .send(signed.replace('ada@', 'grace@'));
    expect(res.status).toBe(401);
  });

  it('signed but not a task (unknown action, no email) → 400', async () => {
    const { app } = setup();
    expect((await hook(app, call('rectify', 'ada@example.com'))).status).toBe(400);
    expect((await hook(app, { action: 'access', reference: 'RD-7K3M-Q9XP' })).status).toBe(400);
  });

  it('opt_out → only that person unsubscribed, once; a repeat reports 0', async () => {
    const { app, stored } = setup();
    const first = await hook(app, call('opt_out', 'ada@example.com'));
    expect(first.status).toBe(200);
    expect(expectSignedByNewsletter(first)).toEqual({ receipt: { unsubscribed: 2 } });
    const again = await hook(app, call('opt_out', 'ADA@example.com'));
    expect(JSON.parse(again.text)).toEqual({ receipt: { unsubscribed: 0 } });

    const data = stored();
    const ada = data.subscriptions.filter((s) => s.email === 'ada@example.com');
    expect(ada.map((s) => [s.status, s.unsubscribedAt])).toEqual([
      ['unsubscribed', clock.toISOString()],
      ['unsubscribed', clock.toISOString()],
    ]);
    expect(othersThan(data, 'ada@example.com')).toEqual(othersThan(seedNewsletterData(), 'ada@example.com'));
  });

  it('erase → 202 at once, then a signed callback saying deleted 1; a second erase → deleted 0', async () => {
    const receiver = await callbackServer();
    const { app, stored, newsletter } = setup();
    const callbackUrl = `${receiver.url}/api/v1/callbacks/demo_newsletter`;

    const res = await hook(app, call('erase', 'grace@example.com', { callbackUrl }));
    expect(res.status).toBe(202);
    expect(expectSignedByNewsletter(res)).toEqual({ accepted: true });
    expect(receiver.calls).toHaveLength(0);

    const [first] = await receiver.waitFor(1);
    expect(first!.path).toBe('/api/v1/callbacks/demo_newsletter');
    expect(verifySignature(secret, first!.header, first!.text, clock).ok).toBe(true);
    expect(callbackBody.parse(JSON.parse(first!.text))).toEqual({
      reference: 'RD-7K3M-Q9XP',
      action: 'erase',
      status: 'done',
      receipt: { deleted: 1 },
    });
    await newsletter.idle();
    const data = stored();
    expect(data.subscriptions.some((s) => s.email === 'grace@example.com')).toBe(false);
    expect(data.pendingErasures).toEqual([]);
    expect(JSON.stringify(data)).not.toContain('grace@example.com');

    expect((await hook(app, call('erase', 'grace@example.com', { callbackUrl }))).status).toBe(202);
    const calls = await receiver.waitFor(2);
    expect(JSON.parse(calls[1]!.text).receipt).toEqual({ deleted: 0 });
  });

  it('erase of one person → everyone else in the store exactly as seeded, no temp files left', async () => {
    const receiver = await callbackServer();
    const { app, stored, dataDir, newsletter } = setup();
    await hook(app, call('erase', 'Zoe.Lukasiewicz@example.net', { callbackUrl: `${receiver.url}/cb` }));
    await receiver.waitFor(1);
    await newsletter.idle();
    expect(JSON.parse(receiver.calls[0]!.text).receipt).toEqual({ deleted: 2 });
    const data = stored();
    expect(data.subscriptions).toEqual(othersThan(seedNewsletterData(), 'zoe.lukasiewicz@example.net'));
    expect(readdirSync(dataDir)).toEqual([DEMO_NEWSLETTER_FILE]);
  });

  it('callback refused twice → retried until Rightsdesk takes it', async () => {
    const receiver = await callbackServer((n) => (n < 3 ? 503 : 200));
    const { app, newsletter, stored } = setup();
    await hook(app, call('erase', 'ada@example.com', { callbackUrl: `${receiver.url}/cb` }));
    const calls = await receiver.waitFor(3);
    await newsletter.idle();
    expect(calls.map((c) => JSON.parse(c.text).receipt)).toEqual([
      { deleted: 2 },
      { deleted: 2 },
      { deleted: 2 },
    ]);
    expect(receiver.calls).toHaveLength(3);
    expect(stored().pendingErasures).toEqual([]);
  });

  it('erase accepted, then the process stops before doing it → the next start erases and calls back', async () => {
    const receiver = await callbackServer();
    const first = setup();
    await hook(first.app, call('erase', 'ada@example.com', { callbackUrl: `${receiver.url}/cb` }));
    first.newsletter.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.calls).toHaveLength(0);
    expect(first.stored().pendingErasures.map((p) => p.reference)).toEqual(['RD-7K3M-Q9XP']);

    const second = setup({ dataDir: first.dataDir });
    const [callback] = await receiver.waitFor(1);
    expect(JSON.parse(callback!.text).receipt).toEqual({ deleted: 2 });
    await second.newsletter.idle();
    expect(second.stored().pendingErasures).toEqual([]);
  });

  it('erase without a callback URL, or one outside PUBLIC_URL → 400 and nothing erased', async () => {
    const { app, file } = setup({ publicUrl: 'http://localhost:3000' });
    expect((await hook(app, call('erase', 'ada@example.com'))).status).toBe(400);
    const elsewhere = call('erase', 'ada@example.com', { callbackUrl: 'http://attacker.test/cb' });
    expect((await hook(app, elsewhere)).status).toBe(400);
    expect(existsSync(file)).toBe(false);
    const home = call('erase', 'ada@example.com', {
      callbackUrl: 'http://localhost:3000/api/v1/callbacks/x',
    });
    expect((await hook(app, home)).status).toBe(202);
  });

  it('store file damaged → 500 whose error does not quote the file (it holds addresses)', async () => {
    const { app, file } = setup();
    writeFileSync(file, '{"subscriptions": [{"email": "ada@example.com" x}]}');
    let message = '';
    app.use(((error: Error, _req, res, _next) => {
      message = error.message;
      res.status(500).end();
    }) as express.ErrorRequestHandler);
    const res = await hook(app, call('access', 'grace@example.com'));
    expect(res.status).toBe(500);
    expect(message).toContain('not valid JSON');
    expect(message).not.toContain('ada@');
  });

  it('mounted before express.json() → other routes still get parsed JSON', async () => {
    const { app } = setup();
    const res = await request(app).post('/echo').send({ hello: 'world' });
    expect(res.body).toEqual({ hello: 'world' });
  });

  it('mounted after express.json() → a loud 500, never a silently unverifiable answer', async () => {
    const app = express();
    app.use(express.json());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rd-newsletter-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const router = demoNewsletterRoutes({ dataDir, secret, now, eraseDelayMs: 10_000 });
    app.use(router);
    app.use(((error: Error, _req, res, _next) => {
      res.status(500).send(error.message);
    }) as express.ErrorRequestHandler);
    const res = await hook(app, call('access', 'ada@example.com'));
    expect(res.status).toBe(500);
    expect(res.text).toContain('mount demoNewsletterRoutes before express.json()');
  });

  it('the real http connector on the demo source → access done with records, erase waits for the callback', async () => {
    const { app: newsletterApp, newsletter } = setup();
    const callbacks: { header: string | undefined; text: string }[] = [];
    const app = express();
    app.post('/api/v1/callbacks/:source', express.text({ type: 'application/json' }), (req, res) => {
      callbacks.push({ header: req.get(SIGNATURE_HEADER), text: req.body });
      res.status(204).end();
    });
    app.use(newsletterApp);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const source = demoSources({ dataDir: '/unused', publicUrl, secretKey }).sources[1];
    if (source?.kind !== 'http') throw new Error('expected the http demo source');
    const connector = createHttpConnector(source, { secret, publicUrl, now });
    const written: Record<string, unknown[]> = {};
    const ctx = (action: TaskContext['action']): TaskContext => ({
      taskId: 'task-1',
      requestId: 'request-1',
      reference: 'RD-7K3M-Q9XP',
      action,
      subject: { email: 'grace@example.com' },
      corrections: [],
      records: {
        async write(collection, rows) {
          written[collection] = [...(written[collection] ?? []), ...rows];
        },
      },
      now: clock,
    });

    const access = await connector.run(ctx('access'));
    expect(access.state === 'done' && access.receipt.external).toEqual({ found: 1 });
    expect(written.subscriptions).toEqual([expect.objectContaining({ list: 'product-updates' })]);

    expect(await connector.run(ctx('erase'))).toEqual({ state: 'waiting' });
    await newsletter.idle();
    expect(callbacks).toHaveLength(1);
    expect(verifySignature(secret, callbacks[0]!.header, callbacks[0]!.text, clock).ok).toBe(true);
    expect(callbackBody.parse(JSON.parse(callbacks[0]!.text)).receipt).toEqual({ deleted: 1 });
  });
});
