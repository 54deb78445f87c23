import { describe, expect, it } from 'vitest';
import type { Receipt } from '../../src/fulfilment/connector.ts';
import { accountJoin, productSource, snapshot, taskContext, useProductDb } from '../helpers/source-db.ts';

const t = useProductDb();
const alice = { email: 'alice@example.org' };

async function receiptOf(result: Promise<unknown>): Promise<Receipt> {
  const value = (await result) as { state: string; receipt: Receipt };
  expect(value.state).toBe('done');
  return value.receipt;
}

async function account(id: number) {
  const { rows } = await t.db.sql.query('select * from accounts where id = $1', [id]);
  return rows[0]!;
}

const corrections = [
  { field: 'Display name', value: 'Alice Anderson' },
  { field: ' PHONE ', value: '+48 600 111 222' },
  { field: 'Email', value: 'alice.new@example.org' },
];

describe('postgres connector: rectify', () => {
  it('rectify → only rectifiable fields of the subject change; the summary names what cannot', async () => {
    const before = await snapshot(t.db.sql);
    const receipt = await receiptOf(t.connector().run(taskContext('rectify', alice, { corrections })));

    expect(await account(1)).toMatchObject({
      email: 'Alice@Example.org',
      display_name: 'Alice Anderson',
      phone: '+48 600 111 222',
    });
    const after = await snapshot(t.db.sql);
    const notAlice = (rows: unknown[]) => rows.filter((r) => (r as { id: number }).id !== 1);
    expect(notAlice(after.accounts!)).toEqual(notAlice(before.accounts!));
    expect({ ...after, accounts: [] }).toEqual({ ...before, accounts: [] });

    expect(receipt.collections).toEqual([
      { collection: 'accounts', found: 1, updated: 1 },
      { collection: 'projects', found: 2, updated: 0 },
      { collection: 'sessions', found: 3, updated: 0 },
      { collection: 'invoices', found: 1, updated: 0 },
    ]);
    expect(receipt.fields).toEqual([]);
    expect(receipt.summary).toBe("2 fields updated; 'email' cannot be changed here");
  });

  it('rectify run twice → the second run succeeds and updates no row', async () => {
    const connector = t.connector();
    await receiptOf(connector.run(taskContext('rectify', alice, { corrections })));
    const afterFirst = await snapshot(t.db.sql);
    const second = await receiptOf(connector.run(taskContext('rectify', alice, { corrections })));
    expect(await snapshot(t.db.sql)).toEqual(afterFirst);
    expect(second.collections.every((c) => c.updated === 0)).toBe(true);
  });

  it('rectify with corrections naming no field here → nothing changes and the summary says so', async () => {
    const before = await snapshot(t.db.sql);
    const receipt = await receiptOf(
      t
        .connector()
        .run(taskContext('rectify', alice, { corrections: [{ field: 'Shoe size', value: '42' }] })),
    );
    expect(await snapshot(t.db.sql)).toEqual(before);
    expect(receipt.summary).toBe('no field here matches the corrections');
  });

  it('rectification diff → current and proposed per matching field and row, rectifiable flag, nothing changed', async () => {
    const source = productSource(t.db.url, {
      collections: [
        {
          name: 'accounts',
          table: 'accounts',
          subject: { emailColumn: 'email' },
          fields: {
            email: { category: 'contact', erase: { strategy: 'hash' } },
            display_name: { category: 'identity', erase: { strategy: 'null' }, rectifiable: true },
          },
        },
        {
          name: 'projects',
          table: 'projects',
          subject: { join: accountJoin },
          fields: { notes: { category: 'content', erase: { strategy: 'null' }, rectifiable: true } },
        },
      ],
    });
    const before = await snapshot(t.db.sql);
    const changes = await t.connector(source).rectificationDiff(alice, [
      { field: 'Display name', value: 'Alice Anderson' },
      { field: 'shoe size', value: '42' },
      { field: 'notes', value: 'no plans' },
      { field: 'E-mail', value: 'x@example.org' },
      { field: 'email', value: 'alice.new@example.org' },
    ]);
    expect(await snapshot(t.db.sql)).toEqual(before);
    const common = { source: 'product' };
    expect(changes).toEqual([
      {
        ...common,
        collection: 'accounts',
        row: '1',
        field: 'display_name',
        current: 'Alice A.',
        proposed: 'Alice Anderson',
        rectifiable: true,
        correction: 0,
      },
      {
        ...common,
        collection: 'projects',
        row: '1',
        field: 'notes',
        current: 'secret plans',
        proposed: 'no plans',
        rectifiable: true,
        correction: 2,
      },
      {
        ...common,
        collection: 'projects',
        row: '2',
        field: 'notes',
        current: null,
        proposed: 'no plans',
        rectifiable: true,
        correction: 2,
      },
      {
        ...common,
        collection: 'accounts',
        row: '1',
        field: 'email',
        current: 'Alice@Example.org',
        proposed: 'alice.new@example.org',
        rectifiable: false,
        correction: 4,
      },
    ]);
  });

  it('rectification diff for someone unknown → no changes', async () => {
    expect(await t.connector().rectificationDiff({ email: '%' }, corrections)).toEqual([]);
  });
});

describe('postgres connector: opt-out and supports', () => {
  it('opt out → the consent column is false for the subject only; a rerun changes nothing', async () => {
    const connector = t.connector();
    const receipt = await receiptOf(connector.run(taskContext('opt_out', { email: 'ALICE@example.org' })));
    const { rows } = await t.db.sql.query('select id, newsletter from accounts order by id');
    expect(rows.map((r) => [r.id, r.newsletter])).toEqual([
      [1, false],
      [2, true],
      [3, true],
      [4, true],
      [5, true],
      [6, true],
    ]);
    expect(receipt.collections).toEqual([{ collection: 'accounts', found: 1, updated: 1 }]);
    expect(receipt.summary).toBe('marketing consent withdrawn on 1 row');

    const again = await receiptOf(connector.run(taskContext('opt_out', alice)));
    expect(again.collections).toEqual([{ collection: 'accounts', found: 1, updated: 0 }]);
    expect(again.summary).toBe('already opted out (1 row)');
  });

  it('supports → access and erase always; rectify and opt_out only when configured', () => {
    const full = t.connector();
    expect(['access', 'erase', 'rectify', 'opt_out'].map((a) => full.supports(a as never))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const bare = t.connector(
      productSource(t.db.url, {
        collections: [
          {
            name: 'sessions',
            table: 'sessions',
            subject: { join: accountJoin },
            fields: { ip: { category: 'device', erase: { strategy: 'delete' } } },
          },
        ],
      }),
    );
    expect(['access', 'erase', 'rectify', 'opt_out'].map((a) => bare.supports(a as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
