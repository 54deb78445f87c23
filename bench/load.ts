// npm run load: LOAD_SUBJECTS (200) simulated subjects for LOAD_SECONDS (60) against 2 web and 2
// worker processes on a fresh PostgreSQL database (127.0.0.1:5432, created and dropped here), emails
// going to an SMTP sink in this process. Each subject loops: file a request (the two web processes in
// turn), wait for the verification email, post its token, wait for the acknowledgement. Then the
// outbox drains (up to LOAD_DRAIN_SECONDS, 300) and the run is judged: no 5xx, and every accepted
// request's emails delivered exactly once. Exits 1 when a check fails. A script, never a test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { freshDatabase, readResults, record, resultsMarkdown } from './lib/harness.ts';
import { type Filed, judge, type StatusCounts } from './lib/load-checks.ts';
import { closeClient, percentiles } from './lib/load-client.ts';
import { cpuSeconds, loggedProblems, machineCpu, startCluster } from './lib/load-cluster.ts';
import { runSubjects } from './lib/load-subjects.ts';
import { writeResultsMarkdown } from './lib/report.ts';
import { startLoadSink } from './lib/smtp-sink.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const subjects = env('LOAD_SUBJECTS', 200);
const seconds = env('LOAD_SECONDS', 60);
const drainSeconds = env('LOAD_DRAIN_SECONDS', 300);
const emailTimeoutSeconds = env('LOAD_EMAIL_TIMEOUT_SECONDS', 300);
const quietSeconds = env('LOAD_QUIET_SECONDS', 5);
// LOAD_SMTP_POOL=off: one SMTP connection per email, as before pooling (for an A/B run).
const smtpPool = process.env.LOAD_SMTP_POOL !== 'off';
// Raised for the run: 200 subjects filing for a minute are far over the real limits by design.
const unlimited = '1000000000';
const raisedLimits = {
  INTAKE_LIMIT_PER_IP: unlimited,
  INTAKE_LIMIT_PER_EMAIL: unlimited,
  LINK_LIMIT_PER_IP: unlimited,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const db = await freshDatabase('rd_load');
const sink = await startLoadSink();
const logDir = mkdtempSync(path.join(tmpdir(), 'rd-load-'));
const sql = postgres(db.url, { max: 2, onnotice: () => {} });
let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
const cleanUp = async () => {
  await cluster?.stop();
  closeClient();
  await sql.end({ timeout: 5 });
  await sink.close();
  await db.drop();
};
process.once('SIGINT', () => {
  cleanUp().finally(() => process.exit(130));
});

try {
  console.log(
    `load: ${subjects} subjects × ${seconds} s, 2 web + 2 worker processes, PostgreSQL ${db.url.replace(/.*@/, '')}\n` +
      `rate limits raised for this run: ${Object.keys(raisedLimits).join(', ')} = ${unlimited}; ` +
      'TRUST_PROXY=loopback and each subject sends its own X-Forwarded-For address\nlogs: ' +
      logDir,
  );
  cluster = await startCluster({
    webs: 2,
    workers: 2,
    logDir,
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      SMTP_URL: smtpPool ? sink.url : `${sink.url}?pool=false`,
      SECRET_KEY: 'load-secret-key-that-is-long-enough-0123456789',
      DATA_DIR: path.join(logDir, 'data'),
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'loopback',
      ...raisedLimits,
    },
  });
  const ports = cluster.web.map((w) => w.port!);
  const cpuBefore = machineCpu();
  const run = await runSubjects({
    subjects,
    seconds,
    ports,
    sink,
    emailTimeoutMs: emailTimeoutSeconds * 1000,
  });
  const cpuAfter = machineCpu();

  // Drain: every outbox row sent, then a quiet spell in which a late duplicate would still show.
  const drainStarted = performance.now();
  let notSent = -1;
  while (performance.now() - drainStarted < drainSeconds * 1000) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where status <> 'sent'`;
    notSent = row!.n;
    if (notSent === 0) break;
    await sleep(1000);
  }
  const drainedInSeconds = +((performance.now() - drainStarted) / 1000).toFixed(1);
  await sleep(quietSeconds * 1000);

  const statuses: { submit: StatusCounts; verify: StatusCounts } = {
    submit: run.submitStatus,
    verify: run.verifyStatus,
  };
  const verdict = await judge(sql, run.filed, statuses, sink.messages);
  const processes = Object.fromEntries(
    cluster.all.map((m) => [
      m.name,
      { peakRssMb: m.peakRssMb(), cpuSeconds: cpuSeconds(m.proc.pid), logged: loggedProblems(m.logFile) },
    ]),
  );
  const verified = run.filed.filter((f: Filed) => f.verified).length;
  const figures = {
    subjects,
    seconds,
    processes: { web: 2, worker: 2 },
    raisedLimits: `${Object.keys(raisedLimits).join(', ')} = ${unlimited}`,
    submitted: Object.values(run.submitStatus).reduce((a, b) => a + b, 0),
    accepted: run.filed.length,
    verified,
    acceptedPerSec: +(run.acceptedInWindow / seconds).toFixed(1),
    completedLoops: run.completedLoops,
    submitStatus: run.submitStatus,
    verifyStatus: run.verifyStatus,
    submit: percentiles(run.submitMs),
    verify: percentiles(run.verifyMs),
    verifyEmailAfterSubmit: percentiles(run.verifyEmailMs),
    acknowledgementAfterVerify: percentiles(run.ackEmailMs),
    emailTimeouts: run.emailTimeouts,
    smtpPool,
    smtpConnections: sink.connections,
    afterWindowSeconds: run.afterWindowSeconds,
    drainedInSeconds: notSent === 0 ? drainedInSeconds : null,
    machineBusyPercent: Math.round(
      ((cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total)) * 100,
    ),
    driverCpuSeconds: +(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(1),
    processesDetail: processes,
    ...verdict,
    ok: Object.values(verdict.checks).every(Boolean),
  };
  await record('load', figures);
  writeResultsMarkdown(readResults(), resultsMarkdown);
  const p = (x: { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number }) =>
    `p50 ${x.p50Ms} ms, p95 ${x.p95Ms} ms, p99 ${x.p99Ms} ms, max ${x.maxMs} ms`;
  const f = figures;
  console.log(`
accepted ${f.accepted} (${f.acceptedPerSec}/s in the window), verified ${f.verified}, loops completed ${f.completedLoops}
submit:  ${p(f.submit)}   statuses ${JSON.stringify(f.submitStatus)}
verify:  ${p(f.verify)}   statuses ${JSON.stringify(f.verifyStatus)}
verification email after submit:  ${p(f.verifyEmailAfterSubmit)}
acknowledgement after verify:     ${p(f.acknowledgementAfterVerify)}
SMTP ${f.smtpPool ? 'pooled' : 'one connection per email'}: ${f.smtpConnections} connections to the sink
email waits that timed out: ${JSON.stringify(f.emailTimeouts)}; loops begun in the window ended ${f.afterWindowSeconds} s after it
emails delivered ${f.emails.delivered} (verify ${f.emails.verify}, acknowledgement ${f.emails.acknowledgement}); missing ${f.emails.missing}, duplicated ${f.emails.duplicates}, same Message-ID twice ${f.emails.sameMessageId}, unexpected ${f.emails.unexpected}
outbox ${f.outbox.rows} rows, ${f.outbox.sent} sent; mail jobs ${JSON.stringify(f.mailJobs)}; drained ${f.drainedInSeconds ?? 'NOT'} s after the last subject
machine busy ${f.machineBusyPercent}% during the window; per process ${JSON.stringify(f.processesDetail)}
checks: ${Object.entries(f.checks)
    .map(([k, v]) => `${k} ${v ? 'ok' : 'FAILED'}`)
    .join(', ')}
${f.ok ? 'LOAD OK' : 'LOAD FAILED'}`);
  if (!figures.ok) process.exitCode = 1;
} finally {
  await cleanUp();
}
