import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, fulfilmentTasks } from '../../src/db/schema.ts';
import { startCli } from '../helpers/cli.ts';
import { gateFault } from '../helpers/faults/fault-gate.ts';
import { createFaultRuntime, type FaultRuntime } from '../helpers/faults/fault-runtime.ts';
import { type IdempotentSource, startIdempotentSource } from '../helpers/faults/idempotent-source.ts';
import {
  type PrivatePostgres,
  privatePostgresMissing,
  startPrivatePostgres,
} from '../helpers/faults/private-postgres.ts';
import { findByReference } from '../helpers/intake.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { eventually } from '../helpers/test-runtime.ts';

// Worker processes share one database, which PGlite cannot be: this runs on a private PostgreSQL
// server in both CI passes. The web side is in-process (it enqueues with a short job expiry); the
// workers are real `rightsdesk worker` processes, one of them killed with SIGKILL mid-call.
const skip = gateFault('the worker-kill fault test', privatePostgresMissing());
const secret = 'worker-kill-source-secret-0123456789';
const expireInSeconds = 4;

let pg: PrivatePostgres | undefined;
let sink: SmtpSink | undefined;
let source: IdempotentSource | undefined;
let rt: FaultRuntime | undefined;
let env: Record<string, string> = {};
const workers: Awaited<ReturnType<typeof startCli>>[] = [];
const dirs: string[] = [];

const tmp = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rd-fault-kill-'));
  dirs.push(dir);
  return dir;
};

async function startWorker() {
  const worker = await startCli(['worker'], { ...env, DATA_DIR: tmp() }, /worker started/);
  workers.push(worker);
  return worker;
}

describe.skipIf(skip)('fault: a worker killed mid-task', () => {
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    sink = await startSmtpSink();
    source = await startIdempotentSource(secret);
    const sources = path.join(tmp(), 'sources.json');
    writeFileSync(
      sources,
      JSON.stringify({
        sources: [
          {
            name: 'crm',
            kind: 'http',
            url: source.server.url,
            secretEnv: 'CRM_SECRET',
            holds: ['contact', 'marketing'],
            actions: ['opt_out'],
            timeoutMs: 60_000,
          },
        ],
      }),
    );
    env = {
      DATABASE_URL: pg.url('rightsdesk'),
      SOURCES_FILE: sources,
      CRM_SECRET: secret,
      SMTP_URL: sink.url,
      SECRET_KEY: 'worker-kill-secret-key-0123456789abcdefghij',
    };
    // The web process: it files the request and enqueues its tasks, each job expiring after 4 s.
    rt = await createFaultRuntime({
      databaseUrl: env.DATABASE_URL,
      worker: false,
      env,
      queueOverrides: { 'fulfilment.task': { expireInSeconds, retryDelay: 1, retryLimit: 3 } },
    });
  });

  afterAll(async () => {
    try {
      for (const worker of workers) {
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) continue;
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
      await rt?.dispose();
    } finally {
      pg?.dispose();
      await sink?.close();
      await source?.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGKILL while the source holds the call → after the job expires a new worker reruns the task with the same Idempotency-Key: one effect, one completion, one email', async () => {
    const first = await startWorker();
    // The first call is held (the worker dies waiting); any later one is answered at once.
    source!.reply((call) =>
      call === 1 ? { status: 200, body: {}, delayMs: 60_000 } : { status: 200, body: {} },
    );
    const email = 'killed-mid-task@example.org';
    const filed = await request(rt!.app)
      .post('/api/v1/requests')
      .send({ type: 'opt_out', law: 'gdpr', email })
      .expect(202);
    const requestRow = await findByReference(rt!.database.db, filed.body.reference);
    await source!.waitForCalls(1);
    const [task] = await rt!.database.db
      .select()
      .from(fulfilmentTasks)
      .where(eq(fulfilmentTasks.requestId, requestRow.id))
      .then((rows) => rows.filter((t) => t.source === 'crm'));
    expect(task).toMatchObject({ status: 'running', attempts: 1 });

    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    await startWorker();
    // pg-boss's supervisor fails expired jobs into a retry every couple of minutes; the test runs
    // that maintenance step itself, every half second, instead of waiting for its timer.
    const done = await eventually(async () => {
      await rt!.jobs.boss.expire();
      const row = await findByReference(rt!.database.db, filed.body.reference);
      return row.status === 'completed' ? row : undefined;
    }, 45_000);
    console.info(
      `task rerun and request completed ${Date.now() - killedAt} ms after the SIGKILL (job expiry ${expireInSeconds} s)`,
    );

    const key = task!.id;
    expect(source!.calls.get(key)).toBe(2);
    expect(source!.effects.filter((e) => e.subject === email)).toEqual([{ key, subject: email }]);
    const [after] = await rt!.database.db.select().from(fulfilmentTasks).where(eq(fulfilmentTasks.id, key));
    expect(after).toMatchObject({ status: 'done', attempts: 2, lastError: null });
    const events = await rt!.database.db.select().from(auditEvents).where(eq(auditEvents.requestId, done.id));
    expect(events.filter((e) => e.kind === 'fulfilment.task_done')).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'request.complete')).toHaveLength(1);

    await sink!.waitFor(1);
    // A duplicate would come from a second completion; give it time to show before counting.
    await new Promise((r) => setTimeout(r, 1500));
    const completions = sink!.messages.filter(
      (m) => m.subject === `Your request ${filed.body.reference} is complete`,
    );
    expect(completions).toHaveLength(1);
    expect(sink!.messages.every((m) => m.subject === completions[0]?.subject)).toBe(true);
  });
});
