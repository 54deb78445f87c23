import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectorResult, Receipt } from '../../src/fulfilment/connector.ts';
import {
  accountJoin,
  HASH_KEY,
  productSource,
  snapshot,
  taskContext,
  useProductDb,
} from '../helpers/source-db.ts';

const t = useProductDb();
const alice = { email: 'alice@example.org', name: 'Alice' };

const hmac = (value: string) => `hmac-sha256:${createHmac('sha256', HASH_KEY).update(value).digest('hex')}`;

async function rowsOf(table: string, where = 'true', params: unknown[] = []) {
  const { rows } = await t.db.sql.query(`select * from ${table} where ${where} order by id`, params);
  return rows;
}

async function done(result: Promise<ConnectorResult>): Promise<Receipt> {
  const value = await result;
  if (value.state !== 'done') throw new Error(`expected a finished task, got ${value.state}`);
  return value.receipt;
}

describe('postgres connector: erase', () => {
  it('erase → delete, null, hash, redact and retain applied to the subject only, retain basis in the receipt', async () => {
    const before = await snapshot(t.db.sql);
    const receipt = await done(t.connector().run(taskContext('erase', alice)));

    const [account] = await rowsOf('accounts', 'id = 1');
    expect(account).toMatchObject({
      email: hmac('Alice@Example.org'),
      display_name: null,
      phone: '[removed]',
      created_at: null,
      avatar: null,
      karma: null,
      newsletter: true,
    });
    expect((await rowsOf('projects', 'account_id = 1')).map((r) => [r.title, r.notes])).toEqual([
      ['[erased]', null],
      ['[erased]', null],
    ]);
    // The sessions were found through accounts.email although accounts was hashed first.
    expect(await rowsOf('sessions', 'account_id = 1')).toEqual([]);
    const [invoice] = await rowsOf('invoices', 'id = 1');
    expect(invoice).toMatchObject({ amount: '120.50', billing_name: hmac('Alice Anderson') });

    const after = await snapshot(t.db.sql);
    const others = (rows: unknown[], own: (r: Record<string, unknown>) => boolean) =>
      (rows as Record<string, unknown>[]).filter((r) => !own(r));
    expect(others(after.accounts!, (r) => r.id === 1)).toEqual(others(before.accounts!, (r) => r.id === 1));
    for (const table of ['projects', 'sessions', 'tickets'])
      expect(others(after[table]!, (r) => r.account_id === 1)).toEqual(
        others(before[table]!, (r) => r.account_id === 1),
      );
    expect(others(after.invoices!, (r) => r.id === 1)).toEqual(others(before.invoices!, (r) => r.id === 1));

    expect(receipt.collections).toEqual([
      { collection: 'accounts', found: 1, masked: 1, retained: 0 },
      { collection: 'projects', found: 2, masked: 2, retained: 0 },
      { collection: 'sessions', found: 3, deleted: 3 },
      { collection: 'invoices', found: 1, masked: 1, retained: 1 },
    ]);
    expect(receipt.fields).toContainEqual({
      collection: 'invoices',
      field: 'amount',
      category: 'financial',
      outcome: 'retain',
      rows: 1,
      basis: 'tax law',
      period: '5 years',
    });
    expect(receipt.fields).toContainEqual({
      collection: 'sessions',
      field: 'user_agent',
      category: 'device',
      outcome: 'delete',
      rows: 3,
    });
    expect(receipt.fields).toContainEqual({
      collection: 'accounts',
      field: 'email',
      category: 'contact',
      outcome: 'hash',
      rows: 1,
    });
    expect(receipt.fields).toHaveLength(12);
    expect(receipt.summary).toBe('3 rows deleted, 4 masked, 1 kept (tax law, 5 years)');
  });

  it('erase deleting parents and children → children deleted first, no foreign key error', async () => {
    const del = { strategy: 'delete' } as const;
    const source = productSource(t.db.url, {
      collections: [
        {
          name: 'accounts',
          table: 'accounts',
          subject: { emailColumn: 'email' },
          fields: { email: { category: 'contact', erase: del } },
        },
        {
          name: 'projects',
          table: 'projects',
          subject: { join: accountJoin },
          fields: { title: { category: 'content', erase: del } },
        },
        {
          name: 'tickets',
          table: 'tickets',
          subject: { join: accountJoin },
          fields: { body: { category: 'content', erase: del } },
        },
        {
          name: 'sessions',
          table: 'sessions',
          subject: { join: accountJoin },
          fields: { ip: { category: 'device', erase: del } },
        },
      ],
    });
    const receipt = await done(t.connector(source).run(taskContext('erase', alice)));
    expect(receipt.collections.map((c) => [c.collection, c.deleted])).toEqual([
      ['accounts', 1],
      ['projects', 2],
      ['tickets', 1],
      ['sessions', 3],
    ]);
    expect(await rowsOf('accounts', 'id = 1')).toEqual([]);
    expect((await rowsOf('accounts')).length).toBe(5);
    expect((await rowsOf('sessions')).map((r) => r.user_agent)).toEqual(['Chrome', 'sqlmap']);
    expect(receipt.summary).toBe('7 rows deleted');
  });

  it('erase failing on the second collection (NOT NULL) → the first collection is rolled back too', async () => {
    const source = productSource(t.db.url, {
      collections: [
        {
          name: 'accounts',
          table: 'accounts',
          subject: { emailColumn: 'email' },
          fields: {
            email: { category: 'contact', erase: { strategy: 'hash' } },
            display_name: { category: 'identity', erase: { strategy: 'null' } },
          },
        },
        {
          name: 'tickets',
          table: 'tickets',
          subject: { join: accountJoin },
          fields: { body: { category: 'content', erase: { strategy: 'null' } } },
        },
      ],
    });
    const before = await snapshot(t.db.sql);
    await expect(t.connector(source).run(taskContext('erase', alice))).rejects.toThrow(
      /erasing collection tickets failed/,
    );
    expect(await snapshot(t.db.sql)).toEqual(before);
    expect((await rowsOf('accounts', 'id = 1'))[0]).toMatchObject({
      email: 'Alice@Example.org',
      display_name: 'Alice A.',
    });
  });

  it('erase run twice → the second run succeeds, changes nothing and does not hash hashed values again', async () => {
    const connector = t.connector();
    await done(connector.run(taskContext('erase', alice)));
    const afterFirst = await snapshot(t.db.sql);
    const second = await done(connector.run(taskContext('erase', alice)));
    expect(await snapshot(t.db.sql)).toEqual(afterFirst);
    expect((await rowsOf('invoices', 'id = 1'))[0]!.billing_name).toBe(hmac('Alice Anderson'));
    expect(second.collections).toEqual([
      { collection: 'accounts', found: 0, masked: 0, retained: 0 },
      { collection: 'projects', found: 0, masked: 0, retained: 0 },
      { collection: 'sessions', found: 0, deleted: 0 },
      { collection: 'invoices', found: 1, masked: 0, retained: 1 },
    ]);
    expect(second.summary).toBe('1 row kept (tax law, 5 years)');
  });

  it('erase for an address shaped like SQL injection → only that account is erased, tables intact', async () => {
    const email = "x'; drop table accounts;--@example.org";
    const before = await snapshot(t.db.sql);
    const receipt = await done(t.connector().run(taskContext('erase', { email })));
    expect(receipt.collections.map((c) => [c.collection, c.found])).toEqual([
      ['accounts', 1],
      ['projects', 0],
      ['sessions', 1],
      ['invoices', 0],
    ]);
    const after = await snapshot(t.db.sql);
    expect(after.accounts).toHaveLength(6);
    expect(after.accounts!.filter((r) => (r as { id: number }).id !== 6)).toEqual(
      before.accounts!.filter((r) => (r as { id: number }).id !== 6),
    );
    expect((after.sessions as { user_agent: string }[]).map((r) => r.user_agent)).not.toContain('sqlmap');
    expect(after.sessions).toHaveLength(4);
    expect(after.projects).toEqual(before.projects);
  });

  it('erase for wildcard addresses → nothing found, nothing changed', async () => {
    const before = await snapshot(t.db.sql);
    for (const email of ['%', '%@example.org', 'a_ice@example.org']) {
      const receipt = await done(t.connector().run(taskContext('erase', { email })));
      expect(receipt.summary).toBe('no rows found');
    }
    expect(await snapshot(t.db.sql)).toEqual(before);
  });

  it('plan erasure → row counts per field with the retain basis, nothing changed', async () => {
    const before = await snapshot(t.db.sql);
    const plan = await t.connector().planErasure(alice);
    expect(await snapshot(t.db.sql)).toEqual(before);
    expect(plan.source).toBe('product');
    expect(plan.kind).toBe('postgres');
    expect(plan.notes).toEqual([]);
    const rows = Object.fromEntries(
      plan.fields.map((f) => [`${f.collection}.${f.field}`, [f.outcome, f.rows]]),
    );
    expect(rows).toEqual({
      'accounts.email': ['hash', 1],
      'accounts.display_name': ['null', 1],
      'accounts.phone': ['redact', 1],
      'accounts.created_at': ['null', 1],
      'accounts.avatar': ['null', 1],
      'accounts.karma': ['null', 1],
      'projects.title': ['redact', 2],
      'projects.notes': ['null', 2],
      'sessions.user_agent': ['delete', 3],
      'sessions.ip': ['delete', 3],
      'invoices.amount': ['retain', 1],
      'invoices.billing_name': ['hash', 1],
    });
    expect(plan.fields.find((f) => f.field === 'amount')).toMatchObject({
      basis: 'tax law',
      period: '5 years',
    });
  });
});
