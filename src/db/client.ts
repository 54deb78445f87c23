import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { ensurePostgresDatabase } from './create-database.ts';
import { acquireDataDirLock } from './lock.ts';
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
  close(): Promise<void>;
}

/** With a URL: PostgreSQL. Without: embedded PGlite in dataDir ('memory' for tests). */
export type DatabaseOptions = { url?: string | undefined; dataDir?: string | 'memory'; max?: number };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.max) : openPglite(options.dataDir ?? 'memory');
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

async function openPglite(dataDir: string | 'memory'): Promise<Database> {
  const release = dataDir === 'memory' ? () => {} : acquireDataDirLock(dataDir);
  let client: PGlite;
  try {
    client = dataDir === 'memory' ? new PGlite() : new PGlite(path.join(dataDir, 'pglite'));
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
        const results = await client.exec(text);
        return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
      }
      const result = await client.query<Record<string, unknown>>(text, toDriverValues(values));
      return { rows: result.rows };
    },
    async ping() {
      if (closed) throw new Error('database is closed');
      await client.query('select 1');
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
  const sql = postgres(url, { max, onnotice: () => {}, connect_timeout: 10 });
  const db = drizzlePostgres(sql, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    async executeSql(text, values) {
      if (values && values.length > 0) {
        const rows = await sql.unsafe(text, toDriverValues(values) as postgres.ParameterOrJSON<never>[]);
        return { rows: Array.from(rows) as Record<string, unknown>[] };
      }
      // Parameterless scripts (pg-boss migrations) may carry their own BEGIN/COMMIT: give them one connection.
      const connection = await sql.reserve();
      try {
        const rows = await connection.unsafe(text);
        return { rows: Array.from(rows) as Record<string, unknown>[] };
      } finally {
        connection.release();
      }
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
