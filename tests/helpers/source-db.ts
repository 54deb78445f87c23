import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Connector, RecordSink, Subject, TaskContext } from '../../src/fulfilment/connector.ts';
import { createPostgresConnector } from '../../src/fulfilment/postgres/postgres-connector.ts';
import { openSourceSql, type SourceSql, wrapPglite } from '../../src/fulfilment/postgres/source-sql.ts';
import { type PostgresSourceConfig, sourcesFileSchema } from '../../src/fulfilment/sources-schemas.ts';

// The "second database" a postgres source points at: a small product schema, on in-memory PGlite by
// default or, with TEST_DATABASE_URL, in a fresh PostgreSQL database dropped afterwards.

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export type SourceDb = {
  /** The URL a source config names. */
  url: string;
  /** The test's own client, to seed and to look at the rows. */
  sql: SourceSql;
  /** A connector over this database (on PGlite sharing the test's instance). */
  connector(source: PostgresSourceConfig, hashKey?: Buffer): Connector;
  drop(): Promise<void>;
};

export const HASH_KEY = Buffer.from('test-hash-key-0123456789abcdef');

export async function createSourceDb(): Promise<SourceDb> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const client = new PGlite();
    await client.waitReady;
    const sql = wrapPglite(client, async () => {});
    return {
      url: 'pglite:memory',
      sql,
      connector: (source, hashKey = HASH_KEY) =>
        createPostgresConnector(source, { hashKey, connect: async () => wrapPglite(client, async () => {}) }),
      drop: () => client.close(),
    };
  }
  const name = `rd_source_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const sql = await openSourceSql(url.toString());
  return {
    url: url.toString(),
    sql,
    connector: (source, hashKey = HASH_KEY) => createPostgresConnector(source, { hashKey }),
    async drop() {
      await sql.close();
      const cleanup = postgres(base, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      await cleanup.end();
    },
  };
}

export const PRODUCT_SCHEMA = [
  `create table accounts (
     id serial primary key,
     email text not null,
     display_name text,
     phone text,
     newsletter boolean not null default true,
     created_at timestamptz default '2024-03-01T10:00:00Z',
     avatar bytea,
     karma bigint default 0)`,
  `create table projects (
     id serial primary key,
     account_id int not null references accounts(id),
     title text not null,
     notes text)`,
  `create table sessions (
     id bigserial primary key,
     account_id int not null references accounts(id),
     user_agent text,
     ip text)`,
  `create table invoices (
     id serial primary key,
     customer_email text not null,
     billing_name text,
     amount numeric(10, 2) not null)`,
  // Not in the default config: its NOT NULL makes the null strategy fail (the rollback test).
  `create table tickets (
     id serial primary key,
     account_id int not null references accounts(id),
     body text not null)`,
];

/** Rows: alice (the subject), people with look-alike emails, and an address shaped like SQL injection. */
export const PRODUCT_ROWS = [
  `insert into accounts (id, email, display_name, phone, newsletter, avatar, karma) values
     (1, 'Alice@Example.org', 'Alice A.', '+48 600 000 001', true, '\\x0102ff', 9007199254740993),
     (2, 'bob@example.org', 'Bob B.', '+48 600 000 002', true, null, 1),
     (3, 'malice@example.org', 'Mallory', null, true, null, 0),
     (4, 'alice@example.org.evil.test', 'Not Alice', null, true, null, 0),
     (5, 'alice@example.com', 'Other Alice', null, true, null, 0),
     (6, 'x''; drop table accounts;--@example.org', 'Bobby Tables', null, true, null, 0)`,
  `select setval('accounts_id_seq', 100)`,
  `insert into projects (account_id, title, notes) values
     (1, 'Alice project 1', 'secret plans'), (1, 'Alice project 2', null),
     (2, 'Bob project', 'bob notes'), (5, 'Other Alice project', 'other notes')`,
  `insert into sessions (account_id, user_agent, ip) values
     (1, 'Firefox', '10.0.0.1'), (1, 'Safari', '10.0.0.2'), (1, 'curl', '10.0.0.3'),
     (2, 'Chrome', '10.0.0.9'), (6, 'sqlmap', '10.6.6.6')`,
  `insert into invoices (customer_email, billing_name, amount) values
     ('ALICE@example.org', 'Alice Anderson', 120.50),
     ('bob@example.org', 'Bob Brown', 80.00),
     ('alice@example.com', 'Other Alice', 10.00)`,
  `insert into tickets (account_id, body) values (1, 'please delete me'), (2, 'bob ticket')`,
];

const RESET = 'truncate accounts, projects, sessions, invoices, tickets restart identity cascade';

export const retainTax = { strategy: 'retain', basis: 'tax law', period: '5 years' } as const;

/** The product source as an operator would configure it (parsed, so defaults apply). */
export function productSource(
  url: string,
  overrides: { collections?: unknown[] } = {},
): PostgresSourceConfig {
  const raw = {
    name: 'product',
    kind: 'postgres',
    url,
    collections: overrides.collections ?? [
      {
        name: 'accounts',
        table: 'public.accounts',
        subject: { emailColumn: 'email' },
        marketingConsentColumn: 'newsletter',
        fields: {
          email: { category: 'contact', erase: { strategy: 'hash' } },
          display_name: { category: 'identity', erase: { strategy: 'null' }, rectifiable: true },
          phone: { category: 'contact', erase: { strategy: 'redact', text: '[removed]' }, rectifiable: true },
          created_at: { category: 'account', erase: { strategy: 'null' } },
          avatar: { category: 'identity', erase: { strategy: 'null' } },
          karma: { category: 'usage', erase: { strategy: 'null' } },
        },
      },
      {
        name: 'projects',
        table: 'projects',
        subject: { join: accountJoin },
        fields: {
          title: { category: 'content', erase: { strategy: 'redact' } },
          notes: { category: 'content', erase: { strategy: 'null' } },
        },
      },
      {
        name: 'sessions',
        table: 'sessions',
        subject: { join: accountJoin },
        fields: {
          user_agent: { category: 'device', erase: { strategy: 'delete' } },
          ip: { category: 'device', erase: { strategy: 'delete' } },
        },
      },
      {
        name: 'invoices',
        table: 'invoices',
        subject: { emailColumn: 'customer_email' },
        fields: {
          amount: { category: 'financial', erase: retainTax },
          billing_name: { category: 'identity', erase: { strategy: 'hash' } },
        },
      },
    ],
  };
  const parsed = sourcesFileSchema.parse({ sources: [raw] }).sources[0]!;
  if (parsed.kind !== 'postgres') throw new Error('not a postgres source');
  return parsed;
}

export const accountJoin = { table: 'accounts', emailColumn: 'email', key: 'id', foreignKey: 'account_id' };

export async function runScript(sql: SourceSql, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.query(statement);
}

/**
 * The product database, seeded, for a runtime that opens it by URL itself (so it must outlive our
 * seeding client): a PGlite directory, or with TEST_DATABASE_URL a fresh PostgreSQL database, `db`,
 * which the caller drops. Shared by the staff fulfilment page tests, over HTTP and in Chromium.
 */
export async function seededProductDatabase(): Promise<{ url: string; db?: SourceDb }> {
  if (onPostgres) {
    const db = await createSourceDb();
    await runScript(db.sql, [...PRODUCT_SCHEMA, ...PRODUCT_ROWS]);
    return { url: db.url, db };
  }
  const url = `pglite:${mkdtempSync(path.join(tmpdir(), 'rd-product-'))}`;
  const sql = await openSourceSql(url);
  await runScript(sql, [...PRODUCT_SCHEMA, ...PRODUCT_ROWS]);
  await sql.close();
  return { url };
}

/** A sources.json in a fresh temporary directory, for a runtime's SOURCES_FILE; returns its path. */
export function writeSourcesFile(sources: unknown[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-sources-')), 'sources.json');
  writeFileSync(file, JSON.stringify({ sources }));
  return file;
}

/** A source database for the whole file, holding the product schema, reseeded before each test. */
export function useProductDb(): {
  readonly db: SourceDb;
  connector(source?: PostgresSourceConfig): Connector;
} {
  let db: SourceDb | undefined;
  const open: Connector[] = [];
  beforeAll(async () => {
    db = await createSourceDb();
    await runScript(db.sql, PRODUCT_SCHEMA);
  });
  beforeEach(async () => {
    await runScript(db!.sql, [RESET, ...PRODUCT_ROWS]);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('source database not created yet');
      return db;
    },
    connector(source) {
      const connector = db!.connector(source ?? productSource(db!.url));
      open.push(connector);
      return connector;
    },
  };
}

/** A record sink that keeps what it is given, page by page. */
export function collectingSink(): RecordSink & {
  pages: { collection: string; rows: Record<string, unknown>[] }[];
} {
  const pages: { collection: string; rows: Record<string, unknown>[] }[] = [];
  return {
    pages,
    async write(collection, rows) {
      pages.push({ collection, rows });
    },
  };
}

export function taskContext(
  action: TaskContext['action'],
  subject: Subject,
  extra: Partial<Pick<TaskContext, 'corrections' | 'records'>> = {},
): TaskContext {
  return {
    taskId: 'task-1',
    requestId: 'request-1',
    reference: 'RD-TEST-0001',
    action,
    subject,
    corrections: extra.corrections ?? [],
    records: extra.records ?? collectingSink(),
    now: new Date('2026-01-10T12:00:00Z'),
  };
}

/** Every row of the product schema, JSON-safe, to compare before and after. */
export async function snapshot(sql: SourceSql): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['accounts', 'projects', 'sessions', 'invoices', 'tickets']) {
    const { rows } = await sql.query(`select to_jsonb(t) as row from ${table} t order by id`);
    out[table] = rows.map((r) => (typeof r.row === 'string' ? JSON.parse(r.row) : r.row));
  }
  return out;
}
