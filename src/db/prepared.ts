import type postgres from 'postgres';

type Sql = postgres.Sql;
type WithScope = (...args: unknown[]) => Promise<unknown>;

/**
 * drizzle runs every query through `unsafe(text, params, { prepare: false })`, and postgres.js sends
 * an unnamed statement with parameters as Parse+Describe, waits for the answer, then Bind+Execute:
 * two round trips per statement, and nothing behind it is pipelined. As named prepared statements
 * (postgres.js's own default) a statement seen before on the connection is one Bind+Execute, so a
 * transaction's batch of inserts goes in one round trip: intake throughput rose by about half
 * (bench/intake.ts). Statements live per connection and go when postgres.js recycles it (every
 * 30–60 min) or reconnects. A pooler in front of PostgreSQL must keep prepared statements (session
 * pooling, or PgBouncer ≥ 1.21 with max_prepared_statements).
 */
const maxPrepared = 32;

export function preparingStatements(sql: Sql): Sql {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        // Long parameter lists (an IN list per batch size, a VALUES list per seal batch) would each be a
        // statement kept on every connection for its lifetime: those go unnamed, as before.
        return (text: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(text, params as never, { ...options, prepare: (params?.length ?? 0) <= maxPrepared });
      }
      // A transaction (or savepoint) hands its callback a client of its own: prepare there too.
      if (property === 'begin' || property === 'savepoint') {
        const scope = Reflect.get(target, property, receiver) as WithScope;
        return (...args: unknown[]) => {
          const callback = args.pop() as (scoped: Sql) => unknown;
          return scope.call(target, ...args, (scoped: Sql) => callback(preparingStatements(scoped)));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
