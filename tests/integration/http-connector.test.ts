import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FulfilmentAction, RecordSink, TaskContext } from '../../src/fulfilment/connector.ts';
import { createHttpConnector, type HttpSourceConfig } from '../../src/fulfilment/http/http-connector.ts';
import { SIGNATURE_HEADER, signBody, verifySignature } from '../../src/fulfilment/http/signature.ts';
import { filler, type HttpSourceServer, startHttpSource } from '../helpers/http-source.ts';

const SECRET = 'newsletter-shared-secret-0123456789';
const EMAIL = 'ada.lovelace@example.org';
let clock = new Date('2026-03-02T10:00:00.000Z');
const now = () => clock;

let source: HttpSourceServer;
beforeAll(async () => {
  source = await startHttpSource({ secret: SECRET, now });
});
afterAll(async () => {
  await source.close();
});
beforeEach(() => {
  clock = new Date('2026-03-02T10:00:00.000Z');
  source.received.length = 0;
});

function config(overrides: Partial<HttpSourceConfig> = {}): HttpSourceConfig {
  return {
    name: 'newsletter',
    kind: 'http',
    url: source.url,
    secretEnv: 'NEWSLETTER_SECRET',
    holds: ['contact', 'marketing'],
    actions: ['access', 'erase', 'rectify'],
    timeoutMs: 5_000,
    ...overrides,
  };
}

const connector = (overrides: Partial<HttpSourceConfig> = {}) =>
  createHttpConnector(config(overrides), { secret: SECRET, publicUrl: 'https://rd.example.org/', now });

/** An array-collecting sink: every write, in order. */
function collectingSink() {
  const writes: { collection: string; rows: Record<string, unknown>[] }[] = [];
  const sink: RecordSink = {
    async write(collection, rows) {
      writes.push({ collection, rows });
    },
  };
  return { sink, writes };
}

function task(action: FulfilmentAction, sink: RecordSink = collectingSink().sink): TaskContext {
  return {
    taskId: '5f0c6a52-8d7e-4d3b-9a51-0c2f1d4e6b7a',
    requestId: '9b1e2c3d-4f5a-4b6c-8d7e-0f1a2b3c4d5e',
    reference: 'RD-7K3M-Q9XP',
    action,
    subject: { email: EMAIL, name: 'Ada Lovelace' },
    corrections: action === 'rectify' ? [{ field: 'display_name', value: 'Ada King' }] : [],
    records: sink,
    now: clock,
  };
}

/** The error a run throws; fails the test when it resolves instead. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof Error)) throw new Error(`expected an Error, got ${String(outcome.error)}`);
  // What the DPO sees never carries the subject's data or the shared secret.
  expect(outcome.error.message).not.toContain(EMAIL);
  expect(outcome.error.message).not.toContain(SECRET);
  return outcome.error;
}

describe('request to the source', () => {
  it('access task → signed POST with the task as JSON, the callback URL and the task id as Idempotency-Key', async () => {
    source.answer(() => ({ status: 200, body: { records: {} } }));
    await connector().run(task('access'));

    expect(source.received).toHaveLength(1);
    const [req] = source.received;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/rightsdesk');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['idempotency-key']).toBe('5f0c6a52-8d7e-4d3b-9a51-0c2f1d4e6b7a');
    expect(JSON.parse(req!.body)).toEqual({
      action: 'access',
      reference: 'RD-7K3M-Q9XP',
      subject: { email: EMAIL, name: 'Ada Lovelace' },
      callbackUrl: 'https://rd.example.org/api/v1/callbacks/newsletter',
    });
    const header = req!.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    expect(header).toMatch(new RegExp(`^t=${clock.getTime() / 1000},v1=[0-9a-f]{64}$`));
    expect(verifySignature(SECRET, header, req!.body, clock)).toMatchObject({ ok: true });
    expect(verifySignature('another-secret', header, req!.body, clock)).toEqual({
      ok: false,
      problem: 'mismatch',
    });
  });

  it('rectify task of a subject without a name → corrections sent, no name', async () => {
    source.answer(() => ({ status: 200, body: {} }));
    const ctx = task('rectify');
    await connector().run({ ...ctx, subject: { email: EMAIL, name: null } });
    const body = JSON.parse(source.received[0]!.body);
    expect(body.subject).toEqual({ email: EMAIL });
    expect(body.corrections).toEqual([{ field: 'display_name', value: 'Ada King' }]);
  });

  it('erase task → no corrections key in the body', async () => {
    source.answer(() => ({ status: 200, body: {} }));
    await connector().run(task('erase'));
    expect(JSON.parse(source.received[0]!.body)).not.toHaveProperty('corrections');
  });

  it('action the source does not take → throws without calling it', async () => {
    const error = await failureOf(connector().run(task('opt_out')));
    expect(error.message).toBe('newsletter does not support opt_out');
    expect(source.received).toHaveLength(0);
  });
});

describe('answers', () => {
  it('access answered 200 with records → rows written to the sink in batches of 1000, receipt counts them', async () => {
    const orders = Array.from({ length: 2500 }, (_, i) => ({ id: i, total: i * 10 }));
    source.answer(() => ({
      status: 200,
      body: {
        receipt: { requestId: 'nl-42', system: 'newsletter' },
        records: { subscribers: [{ email: EMAIL, list: 'weekly' }], orders },
      },
    }));
    const { sink, writes } = collectingSink();
    const result = await connector().run(task('access', sink));

    expect(writes.map((w) => [w.collection, w.rows.length])).toEqual([
      ['subscribers', 1],
      ['orders', 1000],
      ['orders', 1000],
      ['orders', 500],
    ]);
    expect(writes.flatMap((w) => (w.collection === 'orders' ? w.rows : []))).toEqual(orders);
    expect(writes[0]!.rows).toEqual([{ email: EMAIL, list: 'weekly' }]);
    expect(result).toEqual({
      state: 'done',
      receipt: {
        collections: [
          { collection: 'subscribers', found: 1 },
          { collection: 'orders', found: 2500 },
        ],
        fields: [],
        external: { requestId: 'nl-42', system: 'newsletter' },
        summary: 'newsletter returned 2501 records in 2 collections',
      },
    });
  });

  it('access answered 200 without records → done, nothing written, says it holds nothing', async () => {
    source.answer(() => ({ status: 200, body: {} }));
    const { sink, writes } = collectingSink();
    const result = await connector().run(task('access', sink));
    expect(writes).toEqual([]);
    expect(result).toEqual({
      state: 'done',
      receipt: { collections: [], fields: [], summary: 'newsletter holds no records of the subject' },
    });
  });

  it('erase answered 200 with a receipt → done, the receipt kept as external', async () => {
    source.answer(() => ({ status: 200, body: { receipt: { erased: true }, extra: 'dropped' } }));
    const result = await connector().run(task('erase'));
    expect(result).toEqual({
      state: 'done',
      receipt: {
        collections: [],
        fields: [],
        external: { erased: true },
        summary: 'newsletter confirmed the erasure',
      },
    });
  });

  it('erase answered 200 with records → throws (only access answers carry records)', async () => {
    source.answer(() => ({ status: 200, body: { records: { subscribers: [{ id: 1 }] } } }));
    const error = await failureOf(connector().run(task('erase')));
    expect(error.message).toMatch(/^newsletter answered with records to erase/);
  });

  it('answered 202 signed → waiting', async () => {
    source.answer(() => ({ status: 202, body: '' }));
    expect(await connector().run(task('erase'))).toEqual({ state: 'waiting' });
  });

  it('answered 202 unsigned → throws (a forged 202 would park the task)', async () => {
    source.answer(() => ({ status: 202, body: '', sign: 'none' }));
    const error = await failureOf(connector().run(task('erase')));
    expect(error.message).toBe("newsletter answer's signature is missing");
  });

  it('answered 500 → throws naming the source and the status', async () => {
    source.answer(() => ({ status: 500, body: { error: `no such subscriber ${EMAIL}` } }));
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toBe('newsletter answered 500');
  });

  it('answered a redirect → throws, the redirect is not followed', async () => {
    let followed = 0;
    const target = createServer((_req, res) => {
      followed++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    try {
      source.answer(() => ({ status: 307, body: '', headers: { location: targetUrl } }));
      const error = await failureOf(connector().run(task('erase')));
      expect(error.message).toBe('newsletter answered a redirect (307); redirects are refused');
      expect(followed).toBe(0);
    } finally {
      target.closeAllConnections();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });

  it('no answer within timeoutMs → throws a timeout', async () => {
    source.answer(() => ({ status: 200, body: {}, delayMs: 1_500 }));
    const started = Date.now();
    const error = await failureOf(connector({ timeoutMs: 150 }).run(task('access')));
    expect(error.message).toBe('newsletter did not answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  it('source not listening → throws unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await failureOf(connector({ url: `http://127.0.0.1:${port}/` }).run(task('access')));
    expect(error.message).toMatch(/^newsletter is unreachable/);
  });

  it('streamed answer beyond 20 MB → throws, reading stops before the source finished sending', async () => {
    // 64 MB offered in 1 MB chunks, chunked (no Content-Length): the cap must come from reading.
    source.answer(() => ({ status: 200, body: () => filler(1024 * 1024, 64) }));
    const before = source.abortedStreams;
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toBe('newsletter answered more than 20 MB');
    await expect.poll(() => source.abortedStreams).toBe(before + 1);
  });

  it('answer declaring a Content-Length beyond 20 MB → throws without reading it', async () => {
    source.answer(() => ({
      status: 200,
      headers: { 'content-length': String(25 * 1024 * 1024) },
      body: () => filler(1024 * 1024, 25),
    }));
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toBe('newsletter answered more than 20 MB');
  });

  it('answer of exactly 20 MB (signed) → accepted up to the cap', async () => {
    const padding = 'x'.repeat(20 * 1024 * 1024 - '{"receipt":{"p":""}}'.length);
    const text = `{"receipt":{"p":"${padding}"}}`;
    expect(Buffer.byteLength(text)).toBe(20 * 1024 * 1024);
    source.answer(() => ({ status: 200, body: text }));
    // Within the size cap, the receipt then fails its own (much smaller) cap: the body was read whole.
    const error = await failureOf(connector().run(task('erase')));
    expect(error.message).toMatch(/^newsletter answered with an invalid body \(receipt: must be at most/);
  });

  it('signed body that is not JSON → throws', async () => {
    source.answer(() => ({ status: 200, body: '<html>ok</html>' }));
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toBe('newsletter answered with a body that is not JSON');
  });

  it('signed JSON of the wrong shape → throws naming where', async () => {
    source.answer(() => ({ status: 200, body: { records: { subscribers: 'all of them' } } }));
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toBe(
      'newsletter answered with an invalid body (records.subscribers: must be a list of objects)',
    );
  });

  it('records under a collection name that is not a plain name → throws', async () => {
    source.answer(() => ({ status: 200, body: { records: { '../../etc': [{ id: 1 }] } } }));
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toMatch(/^newsletter answered with an invalid body \(records\.\.\.\/\.\.\/etc: /);
  });
});

describe('answer signatures', () => {
  it('200 without a signature → throws, nothing written', async () => {
    source.answer(() => ({ status: 200, body: { records: { subscribers: [{ id: 1 }] } }, sign: 'none' }));
    const { sink, writes } = collectingSink();
    const error = await failureOf(connector().run(task('access', sink)));
    expect(error.message).toBe("newsletter answer's signature is missing");
    expect(writes).toEqual([]);
  });

  it('200 signed with another secret → throws a mismatch', async () => {
    source.answer(() => ({ status: 200, body: {}, sign: { secret: 'not-the-shared-secret' } }));
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toBe("newsletter answer's signature does not match (wrong secret or altered body)");
  });

  it('200 whose body differs from what was signed → throws a mismatch', async () => {
    const signedFor = signBody(SECRET, '{"records":{}}', clock);
    source.answer(() => ({ status: 200, body: '{"records": {}}', sign: { header: signedFor } }));
    const error = await failureOf(connector().run(task('access')));
    expect(error.message).toMatch(/signature does not match/);
  });

  it('200 signed 301 s before our clock → throws stale; 300 s → accepted', async () => {
    source.answer(() => ({ status: 200, body: {}, sign: { at: new Date(clock.getTime() - 301_000) } }));
    const error = await failureOf(connector().run(task('erase')));
    expect(error.message).toBe(
      "newsletter answer's signature is stale (its timestamp is too far from our clock)",
    );

    source.answer(() => ({ status: 200, body: {}, sign: { at: new Date(clock.getTime() - 300_000) } }));
    expect(await connector().run(task('erase'))).toMatchObject({ state: 'done' });
  });

  it('our clock 10 minutes behind the source → throws stale', async () => {
    const sourceTime = clock;
    clock = new Date(clock.getTime() - 600_000);
    source.answer(() => ({ status: 200, body: {}, sign: { at: sourceTime } }));
    const error = await failureOf(connector().run(task('erase')));
    expect(error.message).toMatch(/signature is stale/);
  });

  it('garbled signature header → throws malformed', async () => {
    source.answer(() => ({ status: 200, body: {}, sign: { header: 'sha256=abc' } }));
    const error = await failureOf(connector().run(task('erase')));
    expect(error.message).toBe("newsletter answer's signature is malformed");
  });
});

describe('plans and checks', () => {
  it('supports → exactly the configured actions', () => {
    const c = connector();
    expect((['access', 'erase', 'rectify', 'opt_out'] as const).filter((a) => c.supports(a))).toEqual([
      'access',
      'erase',
      'rectify',
    ]);
  });

  it('erasure plan of an erasing source → a note naming what it holds, no call made', async () => {
    expect(await connector().planErasure({ email: EMAIL })).toEqual({
      source: 'newsletter',
      kind: 'http',
      fields: [],
      notes: ['asks newsletter to erase what it holds (contact, marketing)'],
    });
    expect(source.received).toHaveLength(0);
  });

  it('erasure plan of a source without erase → a note that it cannot erase', async () => {
    const plan = await connector({ actions: ['access'] }).planErasure({ email: EMAIL });
    expect(plan.notes).toEqual([
      'newsletter has no erase capability; what it holds (contact, marketing) stays',
    ]);
  });

  it('rectification diff and check → nothing to compare, no call made', async () => {
    const c = connector();
    expect(await c.rectificationDiff({ email: EMAIL }, [{ field: 'name', value: 'x' }])).toEqual([]);
    await expect(c.check()).resolves.toBeUndefined();
    await c.close();
    expect(source.received).toHaveLength(0);
  });
});
