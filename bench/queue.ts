// Queue pages on PostgreSQL with 1,000,000 requests: the app's page (service + repository query +
// mapping) beside the bare indexed SELECT it rests on, in the same run. Run: tsx bench/queue.ts.
// The queue's indexes (drizzle/0004_queue_indexes.sql): requests_open_queue_idx (safe_due_by, id)
// WHERE status is open, so the default open queue does not walk past every closed request, and
// requests_status_queue_idx (status, safe_due_by, id) for a status filter. EXPLAIN is printed and
// checked for a selective index scan.
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Db } from '../src/db/client.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import * as schema from '../src/db/schema.ts';
import { parseQueueQuery } from '../src/queue/queue-schemas.ts';
import { listQueue } from '../src/queue/queue-service.ts';
import type { StaffIdentity } from '../src/staff/staff-service.ts';
import { byScale, freshDatabase, ownPeakRssMb, record } from './lib/harness.ts';

const rows = Number(process.env.BENCH_QUEUE_ROWS ?? byScale(1_000_000, 20_000));
const iterations = Number(process.env.BENCH_ITERATIONS ?? byScale(300, 50));
const now = new Date();
const staff: StaffIdentity = { id: crypto.randomUUID(), email: 'b@example.org', role: 'dpo', sessionId: 'x' };
const open = `('unverified','pending_review','awaiting_subject','approved','processing','failed')`;

// Four years of requests, newest last. Requests of the last 60 days are mostly open (some overdue),
// older ones closed; laws and types in plausible proportions; due dates 30 or 45 days after receipt.
const seedSql = `
insert into requests (reference, type, law, status, subject_email, subject_name, details, received_at,
  time_zone, received_on, due_by, safe_due_by, version)
select 'RD-' || substr(h, 1, 4) || '-' || substr(h, 5, 4),
  (array['access','access','access','access','erase','erase','opt_out','opt_out','rectify','access'])[1 + g % 10],
  law,
  case when age < 60 then (array['unverified','pending_review','pending_review','pending_review','pending_review',
      'awaiting_subject','approved','processing','processing','failed','completed','cancelled'])[1 + (g * 7) % 12]
    else (array['completed','completed','completed','completed','completed','completed','completed','completed',
      'denied','cancelled','expired','completed'])[1 + (g * 7) % 12] end,
  'subject' || g || '@example.org', 'Subject ' || g, 'Please send me everything you hold about me.',
  received, 'UTC', received::date,
  received::date + (case when law = 'ccpa' then 45 else 30 end) + (g % 3),
  received::date + (case when law = 'ccpa' then 45 else 30 end), 1
from (
  select g, lpad(upper(to_hex(g)), 8, '0') as h,
    ($1::int - g) * 1460.0 / $1::int as age,
    $2::timestamptz - make_interval(secs => (($1::int - g) * 1460.0 / $1::int) * 86400) as received,
    case when (g::bigint * 7919) % 100 < 40 then 'gdpr' when (g::bigint * 7919) % 100 < 70 then 'ccpa'
      when (g::bigint * 7919) % 100 < 85 then 'uk-gdpr' when (g::bigint * 7919) % 100 < 90 then 'caloppa'
      else (array['vcdpa','cpa','lgpd','pipeda','fadp'])[1 + g % 5] end as law
  from generate_series(1, $1::int) as g
) s`;

type Case = { name: string; query: Record<string, string>; bare: string; cursorFrom?: string };
const cases: Case[] = [
  { name: 'all (first page)', query: { status: 'all' }, bare: 'order by safe_due_by, id limit 50' },
  {
    name: 'open queue (default)',
    query: {},
    bare: `where status in ${open} order by safe_due_by, id limit 50`,
  },
  {
    name: 'status=pending_review&law=gdpr',
    query: { status: 'pending_review', law: 'gdpr' },
    bare: `where status = 'pending_review' and law = 'gdpr' order by safe_due_by, id limit 50`,
  },
];

const db = await freshDatabase('rd_bench_queue');
const database = await openDatabase({ url: db.url, max: 4 });
const raw = postgres(db.url, { max: 1, onnotice: () => {} });
let captured: { sql: string; params: unknown[] } | undefined;
const capturing = drizzle(raw, {
  schema,
  logger: {
    logQuery(sql, params) {
      captured = { sql, params };
    },
  },
}) as unknown as Db;

async function time(fn: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await fn();
  const samples: number[] = [];
  // A slow (unindexed) case stops after ~15 s: enough samples to see it is slow.
  const stopAt = performance.now() + 15_000;
  for (let i = 0; i < iterations && (i < 10 || performance.now() < stopAt); i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const p50Ms = +samples[Math.floor(samples.length / 2)]!.toFixed(3);
  return { msPerPage: +mean.toFixed(3), p50Ms, samples: samples.length };
}

async function explain(query: Record<string, string>): Promise<string> {
  await listQueue({ db: capturing, now: () => now }, staff, parseQueueQuery(query));
  if (!captured) throw new Error('no query captured');
  const plan = await raw.unsafe(`explain (analyze, buffers) ${captured.sql}`, captured.params as never[]);
  return plan.map((r) => r['QUERY PLAN']).join('\n');
}

async function measureAll(label: string) {
  const results: Record<string, unknown> = {};
  for (const c of cases) {
    const deps = { db: database.db, now: () => now };
    const parsed = parseQueueQuery(c.query);
    const app = await time(() => listQueue(deps, staff, parsed));
    const bare = await time(() => raw.unsafe(`select * from requests ${c.bare}`));
    const plan = await explain(c.query);
    // An index scan that throws away most of what it reads is a scan of the table in index order.
    const removed = Number(/Rows Removed by Filter: (\d+)/.exec(plan)?.[1] ?? 0);
    const indexScan = /Index (Only )?Scan/.test(plan) && !/Seq Scan/.test(plan) && removed <= 1000;
    const ratio = +(app.msPerPage / bare.msPerPage).toFixed(2);
    const p50Ratio = +(app.p50Ms / bare.p50Ms).toFixed(2);
    console.log(
      `\n[${label}] ${c.name}: app ${app.msPerPage} ms/page, bare ${bare.msPerPage} ms → ${ratio}×`,
    );
    console.log(plan);
    if (!indexScan) {
      console.log(
        `!! ${c.name}: no selective index scan (${removed} rows removed by filter): see the index advice`,
      );
    }
    results[c.name] = { app, bare, ratio, p50Ratio, indexScan, rowsRemovedByFilter: removed };
  }
  // A page after a cursor (keyset: a row comparison plus the dateless branch).
  const first = await listQueue({ db: database.db, now: () => now }, staff, parseQueueQuery({}));
  const next = parseQueueQuery({ cursor: first.nextCursor ?? '' });
  results['open queue, page 2'] = await time(() =>
    listQueue({ db: database.db, now: () => now }, staff, next),
  );
  console.log(`[${label}] open queue page 2:`, results['open queue, page 2']);
  console.log(`\n[${label}] page 2 plan:\n${await explain({ cursor: first.nextCursor ?? '' })}`);
  return results;
}

try {
  await migrateDatabase(database);
  const t = performance.now();
  await raw.unsafe(seedSql, [rows, now.toISOString()]);
  await raw.unsafe('analyze requests');
  const seedSeconds = +((performance.now() - t) / 1000).toFixed(1);
  console.log(`seeded ${rows} requests in ${seedSeconds} s`);
  // The queue indexes ship in drizzle/0004_queue_indexes.sql; the migration above created them.
  const results = await measureAll('shipped indexes');
  // The pages run in this process: its peak RSS is theirs (seeding happens in PostgreSQL).
  await record('queue', { rows, iterations, seedSeconds, results, peakRssMb: ownPeakRssMb() });
} finally {
  await raw.end();
  await database.close();
  await db.drop();
}
