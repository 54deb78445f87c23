import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobs, type Jobs } from '../../src/jobs/jobs.ts';
import { concurrency } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import { eventually } from '../helpers/test-runtime.ts';

// With batchSize 1 a pg-boss worker handles one job per polling interval: a burst of emails (an
// outbox of hundreds after a busy minute) would leave at a few a second whatever the handlers could do.
describe('jobs: a backlog drains without waiting for the next poll', () => {
  let t: TestDatabase;
  let jobs: Jobs;

  beforeAll(async () => {
    t = await createTestDatabase();
    // A polling interval longer than the test may wait: only fetching again at once can pass.
    jobs = createJobs(t.database, createLogger('silent'), { supervise: false, pollingIntervalSeconds: 120 });
    await jobs.start();
  });
  afterAll(async () => {
    await jobs.stop(2000);
    await t.drop();
  });

  it('three times more mail jobs than handlers, polling every 120 s → every job handled, each once', async () => {
    const total = concurrency['mail.send'] * 3;
    for (let i = 0; i < total; i++) {
      await jobs.enqueue(t.database.db, 'mail.send', {
        outboxId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      });
    }
    const handled: string[] = [];
    await jobs.work('mail.send', async ({ outboxId }) => {
      handled.push(outboxId);
    });
    await eventually(async () => handled.length >= total, 60_000);
    expect(new Set(handled).size).toBe(total);
    expect(handled).toHaveLength(total);
  }, 90_000);
});
