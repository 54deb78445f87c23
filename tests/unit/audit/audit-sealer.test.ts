import { describe, expect, it, vi } from 'vitest';
import { startAuditSealer } from '../../../src/audit/audit-sealer.ts';
import type { Db } from '../../../src/db/client.ts';
import type { Logger } from '../../../src/logger.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeLogger() {
  const logger = { error: vi.fn(), debug: vi.fn(), info: vi.fn(), warn: vi.fn() };
  return { logger, asLogger: logger as unknown as Logger };
}

/**
 * A database whose every transaction takes `ms` and then behaves as if another process held the
 * sealing lock (the sealer sees `undefined` and stops), counting how many run at once.
 */
function slowDb(ms: number) {
  const stats = { calls: 0, active: 0, maxActive: 0 };
  const db = {
    async transaction() {
      stats.calls++;
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      await sleep(ms);
      stats.active--;
      return undefined;
    },
  } as unknown as Db;
  return { db, stats };
}

describe('startAuditSealer', () => {
  it('seal slower than the interval → runs never overlap', async () => {
    const { db, stats } = slowDb(30);
    const sealer = startAuditSealer(db, fakeLogger().asLogger, { intervalMs: 1 });
    await sleep(150);
    await sealer.stop();
    expect(stats.calls).toBeGreaterThanOrEqual(3);
    expect(stats.maxActive).toBe(1);
  });

  it('stop() → waits for the running seal, then seals once more, then no more ticks', async () => {
    const { db, stats } = slowDb(40);
    const sealer = startAuditSealer(db, fakeLogger().asLogger, { intervalMs: 1 });
    await sleep(10); // the first seal is running now
    const before = stats.calls;
    await sealer.stop();
    expect(stats.active).toBe(0);
    expect(stats.calls).toBe(before + 1);
    await sleep(50);
    expect(stats.calls).toBe(before + 1);
    await sealer.stop(); // idempotent: no further seal
    expect(stats.calls).toBe(before + 1);
  });

  it('database failing → errors logged on every tick and on stop, never thrown', async () => {
    const db = {
      transaction: () => Promise.reject(new Error('connection refused')),
    } as unknown as Db;
    const { logger, asLogger } = fakeLogger();
    const sealer = startAuditSealer(db, asLogger, { intervalMs: 5 });
    await sleep(60);
    await expect(sealer.stop()).resolves.toBeUndefined();
    expect(logger.error.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(logger.error.mock.calls[0]?.[0]).toMatchObject({ err: expect.any(Error) });
  });

  it('stopped before the first tick → seals once on stop, nothing after', async () => {
    const { db, stats } = slowDb(1);
    const sealer = startAuditSealer(db, fakeLogger().asLogger, { intervalMs: 60_000 });
    await sealer.stop();
    expect(stats.calls).toBe(1);
  });
});
