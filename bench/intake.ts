// Intake throughput: POST /api/v1/requests on PostgreSQL, 50 keep-alive connections, beside a bare
// Express + one INSERT baseline measured in the same run. Run: npm run bench (or tsx bench/intake.ts).
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { byScale, freePort, freshDatabase, load, record, startProcess } from './lib/harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? byScale(10, 3));
const connections = 50;
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
const bin = fileURLToPath(new URL('../bin/rightsdesk.js', import.meta.url));
const baselineScript = fileURLToPath(new URL('./baseline-insert-server.ts', import.meta.url));

let counter = 0;
const body = () =>
  JSON.stringify({
    type: 'access',
    law: 'gdpr',
    email: `bench${process.pid}-${counter++}@example.org`,
    name: 'Bench Subject',
  });

async function measure(label: string, args: string[], env: Record<string, string>) {
  const db = await freshDatabase(`rd_bench_${label}`);
  const port = await freePort();
  const child = await startProcess(
    args,
    { ...env, DATABASE_URL: db.url, PORT: String(port) },
    `http://127.0.0.1:${port}/healthz`,
  );
  try {
    const request = {
      method: 'POST' as const,
      path: '/api/v1/requests',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req: autocannon.Request) => ({ ...req, body: body() }),
    };
    // Warm-up (JIT, connection pools), then the measured run.
    await load({ url: `http://127.0.0.1:${port}`, connections, duration: 2, requests: [request] });
    const result = await load({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: seconds,
      requests: [request],
    });
    return { ...result, peakRssMb: child.peakRssMb() };
  } finally {
    await child.stop();
    await db.drop();
  }
}

const baseline = await measure('baseline', [tsx, baselineScript], {});
const rightsdesk = await measure('intake', [bin, 'serve', '--no-worker'], {
  LOG_LEVEL: 'warn',
  INTAKE_LIMIT_PER_IP: '100000000',
  INTAKE_LIMIT_PER_EMAIL: '100000000',
  DATA_DIR: '/tmp/rd-bench-data',
  SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
});
const ratio = Math.round((rightsdesk.requestsPerSec / baseline.requestsPerSec) * 100) / 100;
const figures = { connections, seconds, baseline, rightsdesk, ratio };
await record('intake', figures);
console.table({ baseline, rightsdesk });
console.log(
  `intake: ${rightsdesk.requestsPerSec} req/s vs baseline ${baseline.requestsPerSec} req/s → ratio ${ratio} (aim ≥ 0.4)`,
);
