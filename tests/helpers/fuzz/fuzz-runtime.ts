import { createTestRuntime, type TestRuntime } from '../test-runtime.ts';
import { type RawClient, rawClient } from './client.ts';
import { clearRateLimits } from './fixtures.ts';
import type { FuzzTarget } from './run.ts';
import { type Snapshot, snapshotter } from './snapshot.ts';

export type FuzzRuntime = FuzzTarget & {
  rt: TestRuntime;
  client: RawClient;
  snapshot: () => Promise<Snapshot>;
  dispose(): Promise<void>;
};

/**
 * A runtime for fuzzing: no worker (nothing changes the database behind the snapshots' back), the
 * intake and link limits raised through the environment, and the fixed limits' windows (sign-in,
 * unsubscribe, callbacks) forgotten before each case; every 429 is tested in security-rate-limits.
 */
export async function createFuzzRuntime(env: Record<string, string> = {}): Promise<FuzzRuntime> {
  const rt = await createTestRuntime({
    worker: false,
    env: {
      INTAKE_LIMIT_PER_IP: '1000000',
      INTAKE_LIMIT_PER_EMAIL: '1000000',
      LINK_LIMIT_PER_IP: '1000000',
      ...env,
    },
  });
  const client = await rawClient(rt.app);
  const snapshot = await snapshotter(rt.database);
  return {
    rt,
    client,
    snapshot,
    beforeEach: () => clearRateLimits(rt),
    async dispose() {
      await client.close();
      await rt.dispose();
    },
  };
}
