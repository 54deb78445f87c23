import { Writable } from 'node:stream';
import { openDatabase } from '../../../src/db/client.ts';
import type { JobsOptions } from '../../../src/jobs/jobs.ts';
import { createLogger } from '../../../src/logger.ts';
import { createRuntime } from '../../../src/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../test-db.ts';
import { type TestRuntime, testConfig } from '../test-runtime.ts';

/** Log lines a runtime wrote (parsed pino JSON), to check what an operator would read. */
export type CapturedLogs = { lines: Record<string, unknown>[] };

export type FaultRuntime = TestRuntime & { logs: CapturedLogs };

/**
 * A runtime like createTestRuntime's, with the queue policies a fault test needs (short expiries,
 * fast retries) and its logs captured. `databaseUrl` points it at a given PostgreSQL database (a
 * private server shared with worker processes); otherwise it gets the usual fresh test database.
 */
export async function createFaultRuntime(
  options: {
    env?: Record<string, string>;
    worker?: boolean;
    databaseUrl?: string;
    queueOverrides?: JobsOptions['queueOverrides'];
  } = {},
): Promise<FaultRuntime> {
  const testDb: TestDatabase = options.databaseUrl
    ? await (async () => {
        const database = await openDatabase({ url: options.databaseUrl, max: 5 });
        return { database, url: options.databaseUrl, drop: () => database.close() };
      })()
    : await createTestDatabase();
  const logs: CapturedLogs = { lines: [] };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const runtime = await createRuntime(testConfig(options.env), {
    worker: options.worker ?? true,
    database: testDb.database,
    logger: createLogger('info', sink),
    jobs: {
      pollingIntervalSeconds: 0.5,
      queueOverrides: {
        'mail.send': { retryDelay: 1, retryBackoff: false },
        'fulfilment.task': { retryDelay: 1, retryBackoff: false, retryLimit: 1 },
        ...options.queueOverrides,
      },
    },
  });
  return Object.assign(runtime, {
    testDb,
    logs,
    async dispose() {
      await runtime.close().catch(() => {});
      await testDb.drop();
    },
  });
}
