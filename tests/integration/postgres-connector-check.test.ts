import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SourceCheckError } from '../../src/fulfilment/connector.ts';
import { createPostgresConnector } from '../../src/fulfilment/postgres/postgres-connector.ts';
import { openSourceSql } from '../../src/fulfilment/postgres/source-sql.ts';
import {
  accountJoin,
  collectingSink,
  HASH_KEY,
  PRODUCT_ROWS,
  PRODUCT_SCHEMA,
  productSource,
  runScript,
  taskContext,
  useProductDb,
} from '../helpers/source-db.ts';

const t = useProductDb();

type Collections = ReturnType<typeof productSource>['collections'];

/** The product config with one collection replaced (raw input, parsed again so defaults apply). */
function withCollection(index: number, change: (c: Record<string, unknown>) => Record<string, unknown>) {
  const collections = productSource(t.db.url).collections.map((c, i) =>
    i === index ? change(structuredClone(c) as Record<string, unknown>) : c,
  ) as unknown[];
  return productSource(t.db.url, { collections });
}

async function checkError(source: ReturnType<typeof productSource>): Promise<SourceCheckError> {
  const error = await t
    .connector(source)
    .check()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(SourceCheckError);
  return error as SourceCheckError;
}

describe('postgres connector: check', () => {
  it('check against the live schema with every identifier present → resolves', async () => {
    await expect(t.connector().check()).resolves.toBeUndefined();
  });

  it('check with a missing field column → path names the field, message names the column', async () => {
    const source = withCollection(1, (c) => ({
      ...c,
      fields: { ...(c.fields as object), summary: { category: 'content', erase: { strategy: 'null' } } },
    }));
    const error = await checkError(source);
    expect(error.path).toBe('sources.product.collections[1].fields.summary');
    expect(error.message).toContain('"summary"');
    expect(error.message).toContain('"projects"');
    expect(error.unreachable).toBe(false);
  });

  it('check with a missing table → path ends in .table', async () => {
    const error = await checkError(withCollection(0, (c) => ({ ...c, table: 'public.users' })));
    expect(error.path).toBe('sources.product.collections[0].table');
    expect(error.message).toContain('"public.users"');
  });

  it('check with a table in a schema that does not exist → path ends in .table', async () => {
    const error = await checkError(withCollection(2, (c) => ({ ...c, table: 'billing.sessions' })));
    expect(error.path).toBe('sources.product.collections[2].table');
  });

  it('check with broken subject lookups, primary key or consent column → each path named', async () => {
    const cases: [ReturnType<typeof productSource>, string][] = [
      [
        withCollection(0, (c) => ({ ...c, subject: { emailColumn: 'mail' } })),
        'collections[0].subject.emailColumn',
      ],
      [withCollection(0, (c) => ({ ...c, primaryKey: 'uuid' })), 'collections[0].primaryKey'],
      [
        withCollection(0, (c) => ({ ...c, marketingConsentColumn: 'opt_in' })),
        'collections[0].marketingConsentColumn',
      ],
      [
        withCollection(1, (c) => ({ ...c, subject: { join: { ...accountJoin, table: 'users' } } })),
        'collections[1].subject.join.table',
      ],
      [
        withCollection(1, (c) => ({ ...c, subject: { join: { ...accountJoin, emailColumn: 'mail' } } })),
        'collections[1].subject.join.emailColumn',
      ],
      [
        withCollection(2, (c) => ({ ...c, subject: { join: { ...accountJoin, key: 'account_id' } } })),
        'collections[2].subject.join.key',
      ],
      [
        withCollection(2, (c) => ({ ...c, subject: { join: { ...accountJoin, foreignKey: 'user_id' } } })),
        'collections[2].subject.join.foreignKey',
      ],
    ];
    for (const [source, path] of cases)
      expect((await checkError(source)).path).toBe(`sources.product.${path}`);
  });

  it('check on a server that refuses connections → SourceCheckError marked unreachable', async () => {
    const source = productSource('postgres://rightsdesk@127.0.0.1:1/nowhere');
    const connector = createPostgresConnector(source, { hashKey: HASH_KEY });
    try {
      const error = await connector.check().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SourceCheckError);
      expect((error as SourceCheckError).unreachable).toBe(true);
      expect((error as SourceCheckError).path).toBe('sources.product.url');
      expect((error as SourceCheckError).message).toMatch(/cannot connect/);
    } finally {
      await connector.close();
    }
  });
});

describe('postgres connector: pglite URLs', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a pglite:<dir> source → opened on first use, serves access, released by close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-source-'));
    dirs.push(dir);
    const seed = await openSourceSql(`pglite:${dir}`);
    await runScript(seed, [...PRODUCT_SCHEMA, ...PRODUCT_ROWS]);
    await seed.close();

    const connector = createPostgresConnector(productSource(`pglite:${dir}`), { hashKey: HASH_KEY });
    const sink = collectingSink();
    try {
      await connector.check();
      await connector.run(taskContext('access', { email: 'alice@example.org' }, { records: sink }));
      await connector.run(taskContext('opt_out', { email: 'alice@example.org' }));
    } finally {
      await connector.close();
    }
    expect(sink.pages.map((p) => [p.collection, p.rows.length])).toEqual([
      ['accounts', 1],
      ['projects', 2],
      ['sessions', 3],
      ['invoices', 1],
    ]);
    // The opt-out was written to the directory and the connector let go of it.
    const reopened = await openSourceSql(`pglite://${dir}`);
    try {
      const { rows } = await reopened.query('select newsletter from accounts where id = 1');
      expect(rows).toEqual([{ newsletter: false }]);
    } finally {
      await reopened.close();
    }
  });

  it('a pglite:memory source → an empty database: check names the first missing table', async () => {
    const collections: Collections = productSource(t.db.url).collections;
    const connector = createPostgresConnector(productSource('pglite:memory', { collections }), {
      hashKey: HASH_KEY,
    });
    try {
      const error = await connector.check().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SourceCheckError);
      expect((error as SourceCheckError).path).toBe('sources.product.collections[0].table');
      expect((error as SourceCheckError).unreachable).toBe(false);
    } finally {
      await connector.close();
    }
  });
});
