import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Executor } from '../db/client.ts';
import { rateLimits } from '../db/schema.ts';

export type Clock = () => Date;

// Timestamps travel as ISO text with an explicit cast: PGlite and postgres.js then agree on the type
// even inside CASE branches, where PostgreSQL could not infer a bare parameter's type.
const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;

/**
 * express-rate-limit Store on the `rate_limits` table, so every web process shares one count.
 * Fixed window: the first hit of a window sets reset_at = now + windowMs; a hit after reset_at starts
 * a new window. "now" comes from the injected clock (not the database's now()) so tests can move time.
 */
export class PostgresRateLimitStore implements Store {
  /** Counts live in the database, not in this process: express-rate-limit's validations rely on this. */
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = 60_000;

  constructor(
    private readonly db: Executor,
    prefix: string,
    private readonly now: Clock = () => new Date(),
  ) {
    this.prefix = prefix;
  }

  init(options: Pick<Options, 'windowMs'>): void {
    this.windowMs = options.windowMs;
  }

  /** One atomic upsert: concurrent hits on the same key from any process serialise on the row. */
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = this.now();
    const resetAt = new Date(now.getTime() + this.windowMs);
    const expired = sql`${rateLimits.resetAt} <= ${at(now)}`;
    // One statement, no transaction: the table is UNLOGGED (see drizzle/), counts are expendable.
    const [row] = await this.db
      .insert(rateLimits)
      .values({ key: this.prefix + key, hits: 1, resetAt })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          hits: sql`case when ${expired} then 1 else ${rateLimits.hits} + 1 end`,
          resetAt: sql`case when ${expired} then ${at(resetAt)} else ${rateLimits.resetAt} end`,
        },
      })
      .returning({ hits: rateLimits.hits, resetAt: rateLimits.resetAt });
    if (!row) throw new Error('rate limit upsert returned no row');
    return { totalHits: row.hits, resetTime: row.resetAt };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const [row] = await this.db
      .select({ hits: rateLimits.hits, resetAt: rateLimits.resetAt })
      .from(rateLimits)
      .where(and(eq(rateLimits.key, this.prefix + key), gt(rateLimits.resetAt, this.now())));
    return row ? { totalHits: row.hits, resetTime: row.resetAt } : undefined;
  }

  /** Only inside the current window: a decrement must never resurrect or skew a finished window. */
  async decrement(key: string): Promise<void> {
    await this.db
      .update(rateLimits)
      .set({ hits: sql`greatest(${rateLimits.hits} - 1, 0)` })
      .where(and(eq(rateLimits.key, this.prefix + key), gt(rateLimits.resetAt, this.now())));
  }

  async resetKey(key: string): Promise<void> {
    await this.db.delete(rateLimits).where(eq(rateLimits.key, this.prefix + key));
  }

  /** Deletes every limiter's finished windows (not only this prefix); returns how many went. */
  purgeExpired(): Promise<number> {
    return purgeExpiredRateLimits(this.db, this.now());
  }
}

/**
 * Deletes rows whose window has ended, for every limiter. Safe at any time: an expired row would be
 * restarted by the next hit anyway, so deleting it loses nothing. Meant for a scheduled purge job.
 */
export async function purgeExpiredRateLimits(db: Executor, now: Date = new Date()): Promise<number> {
  const deleted = await db
    .delete(rateLimits)
    .where(lte(rateLimits.resetAt, now))
    .returning({ key: rateLimits.key });
  return deleted.length;
}
