import { createLogger } from '../../../src/logger.ts';
import { createRuntime } from '../../../src/runtime.ts';
import { createTestDatabase } from '../test-db.ts';
import { type TestRuntime, testConfig } from '../test-runtime.ts';

/** Every JSON line the runtime's logger wrote, in order. */
export type CapturedLogs = { readonly lines: string[] };

/**
 * A test runtime (with a worker) whose logger writes at `trace` into memory instead of to stdout,
 * so a test can read every line the process logged: requests, jobs, mail, errors.
 */
export async function createLoggedRuntime(
  env: Record<string, string>,
): Promise<TestRuntime & { logs: CapturedLogs }> {
  const lines: string[] = [];
  const stream = { write: (line: string) => void lines.push(line) };
  const testDb = await createTestDatabase();
  const runtime = await createRuntime(testConfig({ LOG_LEVEL: 'trace', ...env }), {
    worker: true,
    database: testDb.database,
    logger: createLogger('trace', stream),
    jobs: {
      pollingIntervalSeconds: 0.5,
      queueOverrides: { 'mail.send': { retryDelay: 1, retryBackoff: false } },
    },
  });
  return Object.assign(runtime, {
    testDb,
    logs: { lines },
    async dispose() {
      await runtime.close().catch(() => {});
      await testDb.drop();
    },
  });
}

/** The secrets of `values` that occur in the text (case-insensitively), with where the first one is. */
export function leaksIn(lines: readonly string[], values: Record<string, string>) {
  const found: string[] = [];
  for (const [label, value] of Object.entries(values)) {
    if (value.length < 6) throw new Error(`${label} is too short to search for: ${value}`);
    const needle = value.toLowerCase();
    const line = lines.find((l) => l.toLowerCase().includes(needle));
    if (line) found.push(`${label} in: ${line.slice(0, 300)}`);
  }
  return found;
}
