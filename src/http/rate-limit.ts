import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, type Logger as LimiterLogger, rateLimit } from 'express-rate-limit';
import type { Executor } from '../db/client.ts';
import { createLogger, type Logger } from '../logger.ts';
import { AppError } from './app-error.ts';
import { type Clock, PostgresRateLimitStore } from './rate-limit-store.ts';

export type RateLimitOptions = {
  db: Executor;
  /** Unique per limiter (e.g. 'intake-ip', 'intake-email'): prefixes its keys and names its RateLimit header. */
  name: string;
  windowMs: number;
  /** Requests allowed per key per window; the next one is answered 429. */
  limit: number;
  /**
   * A custom key instead of the client IP, e.g. `(req) => email?.toLowerCase()`. It is hashed before
   * it is stored, so personal data never lands in the table. `undefined` skips limiting the request.
   */
  key?: (req: Request) => string | undefined;
  now?: Clock;
  logger?: Logger;
  /**
   * Send the RateLimit headers on every answer (default true). A limiter keyed on something the
   * caller chooses (an email) must not: the remaining count would tell who filed recently.
   */
  headers?: boolean;
};

const validName = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** SHA-256 hex, first 32 characters: enough to never collide in practice, never reversible to an email. */
export function hashRateLimitKey(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

// express-rate-limit reports store failures (and misconfigurations) here; none of them stops serving.
// A failed drizzle query's message repeats the SQL parameters (client IPs): log the driver's cause only.
function limiterLogger(logger: Logger, name: string): LimiterLogger {
  const log = (error: unknown, message?: string) => {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    logger.warn({ err: cause, limiter: name }, message ?? 'rate limiter problem');
  };
  return { warn: log, error: log };
}

function tryAgainIn(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `Too many requests. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

/**
 * A fixed-window limiter whose counts live in PostgreSQL/PGlite (shared by all web processes).
 * Over the limit it sets Retry-After and passes RATE_LIMITED to the error middleware, which renders
 * problem+json or an HTML page. A database error lets the request through with a warning: a DB blip
 * must not take intake down.
 */
export function createRateLimit(options: RateLimitOptions): RequestHandler {
  const { name, windowMs, limit } = options;
  if (!validName.test(name)) throw new Error(`rate limit name must match ${validName}: ${name}`);
  const now = options.now ?? (() => new Date());
  const store = new PostgresRateLimitStore(options.db, `${name}:`, now);
  const custom = options.key;
  // skip() runs before keyGenerator; it computes the key once and hands it over through this map.
  const keys = new WeakMap<Request, string>();

  const keyFor = (req: Request): string | undefined => {
    if (custom) {
      const value = custom(req);
      return value === undefined ? undefined : hashRateLimitKey(value);
    }
    // Trust-proxy settings decide what req.ip is. An IPv6 /64 is usually one subscriber: count it once.
    return req.ip ? ipKeyGenerator(req.ip, 64) : undefined;
  };

  return rateLimit({
    windowMs,
    limit,
    store,
    identifier: name,
    standardHeaders: options.headers === false ? false : 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    logger: limiterLogger(options.logger ?? createLogger('warn'), name),
    skip(req) {
      const key = keyFor(req);
      if (key === undefined) return true;
      keys.set(req, key);
      return false;
    },
    keyGenerator: (req) => keys.get(req) ?? '',
    handler(req, res, next) {
      // Computed from the injected clock, so it agrees with the store's notion of "now".
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime
        ? Math.max(1, Math.ceil((resetTime.getTime() - now().getTime()) / 1000))
        : Math.ceil(windowMs / 1000);
      res.setHeader('Retry-After', String(seconds));
      next(new AppError('RATE_LIMITED', tryAgainIn(seconds)));
    },
  });
}
