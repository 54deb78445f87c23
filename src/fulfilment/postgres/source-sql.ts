import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

// One tiny client over the two drivers a postgres source may use: postgres.js for PostgreSQL and
// PGlite for an embedded database. Values always travel as parameters ($1, $2 ...).

export type SqlRow = Record<string, unknown>;
/** `count`: rows returned or affected. */
export type SqlResult = { rows: SqlRow[]; count: number };

export interface SqlRunner {
  query(text: string, params?: readonly unknown[]): Promise<SqlResult>;
}

export interface SourceSql extends SqlRunner {
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/** Where a `pglite:` URL keeps its data: 'memory', or a directory (pglite:///abs, pglite:./rel, pglite:rel). */
export function pgliteLocation(url: string): 'memory' | string {
  let rest = url.replace(/^pglite:/, '');
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '' || rest === 'memory') return 'memory';
  return path.resolve(decodeURIComponent(rest));
}

/** Opens a client for a source URL; postgres.js connects on the first query, PGlite right away. */
export async function openSourceSql(url: string): Promise<SourceSql> {
  if (url.startsWith('pglite:')) return openPglite(pgliteLocation(url));
  return openPostgres(url);
}

// PostgreSQL returns int8 as text through postgres.js; PGlite would make it a (lossy) number.
const pgliteParsers = { 20: (value: string) => value };

export async function openPglite(location: 'memory' | string): Promise<SourceSql> {
  const client =
    location === 'memory'
      ? new PGlite({ parsers: pgliteParsers })
      : new PGlite(location, { parsers: pgliteParsers });
  await client.waitReady;
  return wrapPglite(client, () => client.close());
}

/** A SourceSql over an open PGlite; `close` decides what closing means (tests share one instance). */
export function wrapPglite(client: PGlite, close: () => Promise<void>): SourceSql {
  const runner = (target: Pick<PGlite, 'query'>): SqlRunner => ({
    async query(text, params = []) {
      const result = await target.query<SqlRow>(text, [...params], { parsers: pgliteParsers });
      return { rows: result.rows, count: result.affectedRows || result.rows.length };
    },
  });
  return {
    ...runner(client),
    transaction(fn, options) {
      return client.transaction(async (tx) => {
        const inner = runner(tx);
        if (options?.readOnly) await inner.query('set transaction read only');
        return fn(inner);
      });
    },
    close,
  };
}

function openPostgres(url: string): SourceSql {
  const sql = postgres(url, { max: 2, onnotice: () => {}, connect_timeout: 10, idle_timeout: 60 });
  const runner = (target: postgres.Sql | postgres.TransactionSql): SqlRunner => ({
    async query(text, params = []) {
      const result = await target.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return { rows: Array.from(result) as SqlRow[], count: result.count ?? result.length };
    },
  });
  return {
    ...runner(sql),
    async transaction(fn, options) {
      const result = await sql.begin(options?.readOnly ? 'read only' : '', (tx) => fn(runner(tx)));
      return result as Awaited<ReturnType<typeof fn>>;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
