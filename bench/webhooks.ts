// Webhook delivery throughput: N sealed request events delivered to a local HTTP receiver by the real
// dispatcher (claim, read in batches, sign, POST, advance the cursor per event), beside a bare loop
// POSTing the same bodies to the same receiver, in the same run. Both send one event at a time, as
// ordered delivery must. Run: npm run bench -- webhooks (or tsx bench/webhooks.ts).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sealAuditChain } from '../src/audit/audit-sealer.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { ensureWebhookState, readWebhookState } from '../src/webhooks/webhooks-repo.ts';
import { deliverWebhooks } from '../src/webhooks/webhooks-service.ts';
import { type WebhookSettings, webhookSettings } from '../src/webhooks/webhooks-settings.ts';
import { byScale, freshDatabase, ownPeakRssMb, record } from './lib/harness.ts';

const events = Number(process.env.BENCH_WEBHOOK_EVENTS ?? byScale(20_000, 2000));

const received = { count: 0 };
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received.count++;
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
const settings = webhookSettings(
  url,
  `whsec_${randomBytes(32).toString('base64')}`,
  false,
) as WebhookSettings;

/** The baseline: the same number of JSON bodies POSTed one after another with fetch, nothing else. */
async function bare(): Promise<{ seconds: number; perSec: number }> {
  const body = JSON.stringify({
    type: 'request.received',
    data: { reference: 'RD-XXXX-XXXX', pad: 'x'.repeat(300) },
  });
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.body?.cancel();
  }
  const seconds = (performance.now() - start) / 1000;
  return { seconds: Math.round(seconds * 100) / 100, perSec: Math.round(events / seconds) };
}

async function rightsdesk(): Promise<{ seconds: number; perSec: number; delivered: number }> {
  const db = await freshDatabase('rd_bench_webhooks');
  const database = await openDatabase({ url: db.url, dataDir: '/tmp/rd-bench-webhooks' });
  try {
    await migrateDatabase(database);
    await ensureWebhookState(database.db, 'bench');
    // One request per 4 events, as a request's life gives several (received, verify, approve, complete).
    await database.executeSql(
      `insert into requests (id, reference, type, law, status, subject_email, received_at, time_zone, received_on)
       select gen_random_uuid(), 'RD-' || lpad(g::text, 9, '0'), 'access', 'gdpr', 'processing',
              'bench' || g || '@example.org', now(), 'Europe/Warsaw', current_date
       from generate_series(1, $1::int) as g`,
      [Math.ceil(events / 4)],
    );
    await database.executeSql(
      `insert into audit_events (request_id, kind, actor, data, at)
       select r.id, 'request.approve', 'system', '{"from":"pending_review","to":"approved","version":2}', now()
       from requests r, generate_series(1, 4) as k
       order by r.reference, k limit $1::int`,
      [events],
    );
    await sealAuditChain(database.db, { batchSize: 5000 });
    const deps = { db: database.db, now: () => new Date(), logger: createLogger('warn'), settings };
    const start = performance.now();
    let delivered = 0;
    for (;;) {
      const run = await deliverWebhooks(deps);
      if (run.failed) throw new Error(`delivery failed: ${run.failed}`);
      if (run.delivered === 0) break;
      delivered += run.delivered;
    }
    const seconds = (performance.now() - start) / 1000;
    const state = await readWebhookState(database.db);
    if (delivered !== events || Number(state?.lastSeq) !== events)
      throw new Error(`delivered ${delivered}, cursor ${state?.lastSeq}, expected ${events}`);
    return { seconds: Math.round(seconds * 100) / 100, perSec: Math.round(events / seconds), delivered };
  } finally {
    await database.close();
    await db.drop();
  }
}

const baseline = await bare();
const before = received.count;
const ours = await rightsdesk();
if (received.count - before !== events)
  throw new Error(`receiver got ${received.count - before} of ${events}`);
receiver.close();
const ratio = Math.round((ours.perSec / baseline.perSec) * 100) / 100;
await record('webhooks', { events, baseline, rightsdesk: ours, ratio, peakRssMb: ownPeakRssMb() });
console.table({ baseline, rightsdesk: ours });
console.log(`webhooks: ${ours.perSec} events/s vs bare POST loop ${baseline.perSec}/s → ratio ${ratio}`);
