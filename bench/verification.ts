// Verification throughput: POST /api/v1/verifications with real tokens on PostgreSQL, 50 keep-alive
// connections, beside a bare Express route doing one indexed SELECT + one UPDATE, in the same run.
// Run: npm run bench -- verification (or tsx bench/verification.ts).
//
// The tokens are real: requests are filed through the running server's own intake first, and each
// token is read from its verification email in the outbox, as a subject would click it. Every token is
// used once (a fixed number of requests, not a duration), so every answer must be 200.
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import postgres from 'postgres';
import {
  byScale,
  freePort,
  freshDatabase,
  type LoadResult,
  load,
  record,
  startProcess,
} from './lib/harness.ts';

const connections = 50;
const tokenCount = Number(process.env.BENCH_VERIFY_TOKENS ?? byScale(8000, 800));
const baselineCount = Number(process.env.BENCH_VERIFY_BASELINE_TOKENS ?? byScale(40_000, 4000));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
const bin = fileURLToPath(new URL('../bin/rightsdesk.js', import.meta.url));
const baselineScript = fileURLToPath(new URL('./baseline-verify-server.ts', import.meta.url));
const unlimited = '1000000000';

/** Each request takes the next unused token; warm-up and run share one list. */
function verifications(tokens: string[]): autocannon.Request {
  let next = 0;
  return {
    method: 'POST',
    path: '/api/v1/verifications',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ token: tokens[next++] }) }),
  };
}

async function run(url: string, tokens: string[]): Promise<LoadResult> {
  const warmUp = Math.floor(tokens.length / 10);
  const request = verifications(tokens);
  await load({ url, connections, amount: warmUp, requests: [request] });
  return load({ url, connections, amount: tokens.length - warmUp, requests: [request] });
}

async function measureBaseline() {
  const db = await freshDatabase('rd_bench_verify_base');
  const port = await freePort();
  const child = await startProcess(
    [tsx, baselineScript],
    { DATABASE_URL: db.url, PORT: String(port) },
    `http://127.0.0.1:${port}/healthz`,
  );
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into bench_tokens (jti_hash, reference, expires_at)
      select encode(sha256(convert_to('tok-' || g, 'UTF8')), 'hex'), 'RD-' || g, now() + interval '1 day'
      from generate_series(1, ${baselineCount}::int) as g`;
    await sql`analyze bench_tokens`;
    const tokens = Array.from({ length: baselineCount }, (_, i) => `tok-${i + 1}`);
    const result = await run(`http://127.0.0.1:${port}`, tokens);
    return { ...result, peakRssMb: child.peakRssMb() };
  } finally {
    await sql.end();
    await child.stop();
    await db.drop();
  }
}

async function measureRightsdesk() {
  const db = await freshDatabase('rd_bench_verify');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startProcess(
    [bin, 'serve', '--no-worker'],
    {
      DATABASE_URL: db.url,
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      INTAKE_LIMIT_PER_IP: unlimited,
      INTAKE_LIMIT_PER_EMAIL: unlimited,
      LINK_LIMIT_PER_IP: unlimited,
      DATA_DIR: '/tmp/rd-bench-data',
      SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
    },
    `${url}/healthz`,
  );
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    // Filing the requests also warms the server up (JIT, connection pool, prepared statements).
    let n = 0;
    const filed = await load({
      url,
      connections,
      amount: tokenCount,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/requests',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ type: 'access', law: 'gdpr', email: `verify${n++}@example.org` }),
          }),
        },
      ],
    });
    if (filed.non2xx || filed.errors) throw new Error(`filing the requests failed: ${JSON.stringify(filed)}`);
    const rows = await sql<{ text: string }[]>`select text from outbox order by created_at, id`;
    const tokens = rows.map((r) => /\/verify\/([\w.-]+)/.exec(r.text)?.[1]).filter((t): t is string => !!t);
    if (tokens.length !== tokenCount)
      throw new Error(`expected ${tokenCount} tokens, found ${tokens.length}`);
    const result = await run(url, tokens);
    const [verified] = await sql<{ n: number }[]>`
      select count(*)::int as n from requests where status = 'pending_review'`;
    return { ...result, verifiedInDatabase: verified!.n, peakRssMb: child.peakRssMb() };
  } finally {
    await sql.end();
    await child.stop();
    await db.drop();
  }
}

const baseline = await measureBaseline();
const rightsdesk = await measureRightsdesk();
const ratio = Math.round((rightsdesk.requestsPerSec / baseline.requestsPerSec) * 100) / 100;
await record('verification', { connections, tokens: tokenCount, baseline, rightsdesk, ratio });
console.table({ baseline, rightsdesk });
console.log(
  `verification: ${rightsdesk.requestsPerSec} verifications/s (p99 ${rightsdesk.p99Ms} ms) vs baseline ` +
    `${baseline.requestsPerSec}/s → ratio ${ratio}`,
);
if (rightsdesk.non2xx || rightsdesk.errors || baseline.non2xx || baseline.errors) process.exitCode = 1;
