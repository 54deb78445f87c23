import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { ensurePostgresDatabase } from './create-database.ts';
import { acquireDataDirLock } from './lock.ts';
import { lastStatementRows, ownTransactionBody } from './own-transaction.ts';
import { preparingStatements } from './prepared.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** The drizzle handle; PGlite and postgres.js differ only in result shapes we never rely on. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a repository can run a query on: the database or an open transaction. */
export type Executor = Db | Tx;

export type SqlResult = { rows: Record<string, unknown>[] };

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Raw parameterised SQL ($1, $2 ...); without values multi-statement scripts are allowed. */
  executeSql(text: string, values?: unknown[]): Promise<SqlResult>;
  /** Throws when the database does not answer within timeoutMs. */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * PGlite only: the data directory as a gzipped tarball. Taken between statements, it is consistent
   * as after a crash (an open transaction rolls back when it is loaded); a checkpoint goes first.
   */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

/** With a URL: PostgreSQL. Without: embedded PGlite in dataDir ('memory' for tests). */
export type DatabaseOptions = {
  url?: string | undefined;
  dataDir?: string | 'memory';
  max?: number;
  /** PGlite only: start from this data-directory tarball (a backup); the directory must be new. */
  loadDataDir?: Blob;
};

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url
    ? openPostgres(options.url, options.max)
    : openPglite(options.dataDir ?? 'memory', options.loadDataDir);
}

// node-postgres semantics that pg-boss expects: plain objects travel as JSON text.
// and undefined is NULL (postgres.js refuses undefined outright).
export function toDriverValues(values: unknown[]): unknown[] {
  return values.map((v) =>
    v === undefined
      ? null
      : v !== null &&
          typeof v === 'object' &&
          !(v instanceof Date) &&
          !Array.isArray(v) &&
          !Buffer.isBuffer(v)
        ? JSON.stringify(v)
        : v,
  );
}

async function openPglite(dataDir: string | 'memory', loadDataDir?: Blob): Promise<Database> {
  const release = dataDir === 'memory' ? () => {} : acquireDataDirLock(dataDir);
  let client: PGlite;
  try {
    const options = loadDataDir ? { loadDataDir } : {};
    client = dataDir === 'memory' ? new PGlite(options) : new PGlite(path.join(dataDir, 'pglite'), options);
    await client.waitReady;
  } catch (error) {
    release();
    throw error;
  }
  let closed = false;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async executeSql(text, values) {
      if (!values || values.length === 0) {
        const body = ownTransactionBody(text);
        const results =
          body === undefined ? await client.exec(text) : await client.transaction((tx) => tx.exec(body));
        return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
      }
      const result = await client.query<Record<string, unknown>>(text, toDriverValues(values));
      return { rows: result.rows };
    },
    async ping() {
      if (closed) throw new Error('database is closed');
      await client.query('select 1');
    },
    async dumpDataDir() {
      await client.exec('checkpoint');
      return client.dumpDataDir('gzip');
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      release();
    },
  };
}

async function openPostgres(url: string, max = 10): Promise<Database> {
  await ensurePostgresDatabase(url);
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 10,
    // postgres.js waits up to 20 s between reconnects once a few have failed (one count for the whole
    // pool), and queries queue behind that wait: during an outage requests hung instead of failing with
    // 503, and after it the process stayed unready for as long. At most a second keeps both short.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzlePostgres(preparingStatements(sql), { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    async executeSql(text, values) {
      if (values && values.length > 0) {
        const rows = await sql.unsafe(text, toDriverValues(values) as postgres.ParameterOrJSON<never>[]);
        return { rows: Array.from(rows) as Record<string, unknown>[] };
      }
      // Parameterless: the simple protocol, one message, so a script's statements share one connection.
      const body = ownTransactionBody(text);
      const result = body === undefined ? await sql.unsafe(text) : await sql.begin((tx) => tx.unsafe(body));
      return { rows: lastStatementRows(result as unknown[]) };
    },
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
      });
      try {
        await Promise.race([sql`select 1`, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
