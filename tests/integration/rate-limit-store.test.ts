import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { rateLimits } from '../../src/db/schema.ts';
import { errorHandler, notFound } from '../../src/http/error-handler.ts';
import { createRateLimit } from '../../src/http/rate-limit.ts';
import { PostgresRateLimitStore, purgeExpiredRateLimits } from '../../src/http/rate-limit-store.ts';
import { createViews } from '../../src/http/views.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';

describe('PostgresRateLimitStore', () => {
  let testDb: TestDatabase;
  let current = new Date('2026-03-02T10:00:00.000Z');
  const now = () => current;
  const advance = (ms: number) => {
    current = new Date(current.getTime() + ms);
  };
  const storeFor = (prefix: string, windowMs: number) => {
    const store = new PostgresRateLimitStore(testDb.database.db, prefix, now);
    store.init({ windowMs });
    return store;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await migrateDatabase(testDb.database);
  });
  afterAll(async () => {
    await testDb.drop();
  });

  it('20 concurrent hits on one key → counted exactly, one reset time', async () => {
    const store = storeFor('burst:', 60_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.increment('k')));
    expect(results.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(new Set(results.map((r) => r.resetTime?.getTime()))).toEqual(
      new Set([current.getTime() + 60_000]),
    );
    expect(await store.get('k')).toEqual({ totalHits: 20, resetTime: new Date(current.getTime() + 60_000) });
  });

  it('decrement inside the window → one hit less; resetKey → the key is gone', async () => {
    const store = storeFor('dec:', 60_000);
    await store.increment('k');
    await store.increment('k');
    await store.decrement('k');
    expect((await store.get('k'))?.totalHits).toBe(1);
    await store.resetKey('k');
    expect(await store.get('k')).toBeUndefined();
    expect((await store.increment('k')).totalHits).toBe(1);
  });

  it('a hit after the window ended → counting restarts with a new reset time', async () => {
    const store = storeFor('restart:', 1_000);
    await store.increment('k');
    await store.increment('k');
    advance(1_000);
    expect(await store.get('k')).toBeUndefined();
    const fresh = await store.increment('k');
    expect(fresh).toEqual({ totalHits: 1, resetTime: new Date(current.getTime() + 1_000) });
  });

  it('the same key under two prefixes → two independent counts', async () => {
    const a = storeFor('one:', 60_000);
    const b = storeFor('two:', 60_000);
    await a.increment('same');
    await a.increment('same');
    expect((await b.increment('same')).totalHits).toBe(1);
  });

  it('purge → deletes expired rows of every limiter and keeps live ones', async () => {
    await testDb.database.db.delete(rateLimits);
    const short = storeFor('short:', 1_000);
    const long = storeFor('long:', 60_000);
    await short.increment('a');
    await long.increment('b');
    advance(1_000); // short:a ends exactly now: reset_at <= now counts as ended
    await short.increment('c');
    expect(await purgeExpiredRateLimits(testDb.database.db, current)).toBe(1);
    const keys = (await testDb.database.db.select().from(rateLimits)).map((r) => r.key).sort();
    expect(keys).toEqual(['long:b', 'short:c']);
    advance(1_000);
    expect(await long.purgeExpired()).toBe(1);
    expect((await testDb.database.db.select().from(rateLimits)).map((r) => r.key)).toEqual(['long:b']);
  });
});

describe('rate limit with the database down', () => {
  it('database closed → requests pass (fail open) and a warning is logged', async () => {
    const testDb = await createTestDatabase();
    try {
      await migrateDatabase(testDb.database);
      const lines: string[] = [];
      const logger = createLogger('info', { write: (line: string) => lines.push(line) });
      const app = express();
      app.post(
        '/submit',
        createRateLimit({ db: testDb.database.db, name: 'down', windowMs: 60_000, limit: 1, logger }),
        (_req, res) => {
          res.send('ok');
        },
      );
      app.use(notFound());
      app.use(errorHandler(createViews({ orgName: 'Test Org' })));

      await request(app).post('/submit').expect(200);
      await request(app).post('/submit').expect(429);
      await testDb.database.close();
      for (let i = 0; i < 3; i++) await request(app).post('/submit').expect(200, 'ok');

      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
      expect(warnings.length).toBeGreaterThanOrEqual(3);
      expect(warnings[0]).toMatchObject({ limiter: 'down' });
      expect(warnings[0].msg).toMatch(/allowing request/);
      // The driver's error only: not drizzle's "Failed query … params: down:<client ip>".
      expect(lines.join('\n')).not.toMatch(/params:|down:/);
    } finally {
      await testDb.drop();
    }
  });
});
