import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { createTestDatabase, type TestDatabase } from './test-db.ts';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rd-test-')),
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export type TestRuntime = Runtime & { testDb: TestDatabase; dispose(): Promise<void> };

/** A runtime on a fresh test database with fast job polling and short mail retry delays. */
export async function createTestRuntime(
  options: {
    env?: Record<string, string>;
    worker?: boolean;
    appDatabase?: (db: Database) => Database;
    now?: () => Date;
  } = {},
): Promise<TestRuntime> {
  const testDb = await createTestDatabase();
  const config = testConfig(options.env);
  const runtime = await createRuntime(config, {
    worker: options.worker ?? true,
    database: testDb.database,
    logger: createLogger('silent'),
    jobs: {
      pollingIntervalSeconds: 0.5,
      // Fulfilment retries fast here: a failing source fails its task after two quick attempts.
      queueOverrides: {
        'mail.send': { retryDelay: 2, retryBackoff: false },
        'fulfilment.task': { retryDelay: 1, retryBackoff: false, retryLimit: 1 },
      },
    },
    ...(options.appDatabase ? { appDatabase: options.appDatabase(testDb.database) } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return Object.assign(runtime, {
    testDb,
    async dispose() {
      await runtime.close().catch(() => {});
      await testDb.drop();
    },
  });
}

export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
