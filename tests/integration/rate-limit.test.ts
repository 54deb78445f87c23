import { createHash } from 'node:crypto';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { rateLimits } from '../../src/db/schema.ts';
import { errorHandler, notFound } from '../../src/http/error-handler.ts';
import { createRateLimit, type RateLimitOptions } from '../../src/http/rate-limit.ts';
import { createViews } from '../../src/http/views.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';

const views = createViews({ orgName: 'Test Org' });
const logger = createLogger('silent');

/** A small web process: one limited POST route, the real error middleware. */
function limitedApp(options: Omit<RateLimitOptions, 'logger'>): Express {
  const app = express();
  // Lets the tests play clients at different addresses through X-Forwarded-For.
  app.set('trust proxy', true);
  app.use(express.urlencoded({ extended: false }));
  app.post('/submit', createRateLimit({ ...options, logger }), (_req, res) => {
    res.send('ok');
  });
  app.use(notFound());
  app.use(errorHandler(views));
  return app;
}

const post = (app: Express, ip = '198.51.100.7', fields: Record<string, string> = {}) =>
  request(app)
    .post('/submit')
    .set('X-Forwarded-For', ip)
    .set('Accept', 'application/json')
    .type('form')
    .send(fields);

describe('rate limits on the shared database', () => {
  let testDb: TestDatabase;
  let database: Database;
  let current = new Date('2026-03-02T10:00:00.000Z');
  const now = () => current;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = testDb.database;
    await migrateDatabase(database);
  });
  afterAll(async () => {
    await testDb.drop();
  });

  it('3 allowed, then the 4th → 429 with Retry-After, RateLimit headers and a problem body', async () => {
    const app = limitedApp({ db: database.db, name: 'basic', windowMs: 10 * 60_000, limit: 3, now });
    const first = await post(app).expect(200);
    expect(first.headers.ratelimit).toMatch(/^"basic"; r=2; t=\d+$/);
    await post(app).expect(200);
    await post(app).expect(200);
    const res = await post(app).expect(429);
    expect(res.headers['retry-after']).toBe('600');
    expect(res.headers.ratelimit).toMatch(/^"basic"; r=0; t=\d+$/);
    expect(res.headers['ratelimit-policy']).toMatch(/^"basic"; q=3; w=600; pk=:[A-Za-z0-9+/=]+:$/);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      detail: 'Too many requests. Try again in 10 minutes.',
    });
    const page = await post(app).set('Accept', 'text/html').expect(429);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('try again in 10 min.');
    await post(app, '198.51.100.8').expect(200); // another client has its own count
  });

  it('two web processes on one database → one shared count', async () => {
    // On PostgreSQL the second "process" gets its own connection pool, as a real one would.
    const second = testDb.url ? await openDatabase({ url: testDb.url, max: 2 }) : database;
    try {
      const options = { name: 'shared', windowMs: 60_000, limit: 2, now };
      const appA = limitedApp({ ...options, db: database.db });
      const appB = limitedApp({ ...options, db: second.db });
      await post(appA).expect(200);
      await post(appB).expect(200);
      await post(appA).expect(429);
      await post(appB).expect(429);
    } finally {
      if (second !== database) await second.close();
    }
  });

  it('the clock moves past reset_at → a fresh window', async () => {
    const app = limitedApp({ db: database.db, name: 'window', windowMs: 60_000, limit: 1, now });
    await post(app).expect(200);
    const limited = await post(app).expect(429);
    expect(limited.body.detail).toBe('Too many requests. Try again in 1 minute.');
    current = new Date(current.getTime() + 59_000);
    await post(app).expect(429);
    current = new Date(current.getTime() + 1_000);
    await post(app).expect(200);
    await post(app).expect(429);
  });

  it('per-email key → one email limited across IPs, other emails free, no email in the table', async () => {
    const email = (req: express.Request) =>
      typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : undefined;
    const app = limitedApp({ db: database.db, name: 'email', windowMs: 60_000, limit: 2, now, key: email });
    await post(app, '203.0.113.1', { email: 'Ana@Example.com' }).expect(200);
    await post(app, '203.0.113.2', { email: 'ana@example.com' }).expect(200);
    await post(app, '203.0.113.3', { email: ' ANA@example.COM ' }).expect(429);
    await post(app, '203.0.113.3', { email: 'bo@example.com' }).expect(200);
    for (let i = 0; i < 4; i++) await post(app, '203.0.113.3').expect(200); // no email → not limited here

    const rows = await database.db.select().from(rateLimits);
    const emailRows = rows.filter((r) => r.key.startsWith('email:'));
    const hashed = createHash('sha256').update('ana@example.com').digest('hex').slice(0, 32);
    expect(emailRows.map((r) => r.key).sort()).toEqual(
      [
        `email:${hashed}`,
        `email:${createHash('sha256').update('bo@example.com').digest('hex').slice(0, 32)}`,
      ].sort(),
    );
    expect(emailRows.find((r) => r.key === `email:${hashed}`)?.hits).toBe(3);
    for (const row of rows) expect(row.key).not.toMatch(/@|example|ana|bo@/i);
  });

  it('IPv6 clients → one count per /64; IPv4 clients → one per address', async () => {
    const app = limitedApp({ db: database.db, name: 'ipv6', windowMs: 60_000, limit: 1, now });
    await post(app, '2001:db8:1:2::1').expect(200);
    await post(app, '2001:db8:1:2:ffff:ffff:ffff:ffff').expect(429);
    await post(app, '2001:db8:1:3::1').expect(200);
    await post(app, '192.0.2.1').expect(200);
    await post(app, '192.0.2.2').expect(200);
    await post(app, '192.0.2.1').expect(429);
    const keys = (await database.db.select().from(rateLimits))
      .map((r) => r.key)
      .filter((k) => k.startsWith('ipv6:'));
    expect(keys.sort()).toEqual([
      'ipv6:192.0.2.1',
      'ipv6:192.0.2.2',
      'ipv6:2001:db8:1:2::/64',
      'ipv6:2001:db8:1:3::/64',
    ]);
  });

  it('an invalid limiter name → refused at start-up', () => {
    expect(() => createRateLimit({ db: database.db, name: 'Bad Name%', windowMs: 1000, limit: 1 })).toThrow(
      /rate limit name/,
    );
  });
});
