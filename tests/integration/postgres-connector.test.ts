import { describe, expect, it } from 'vitest';
import type { ConnectorResult, Receipt } from '../../src/fulfilment/connector.ts';
import { collectingSink, taskContext, useProductDb } from '../helpers/source-db.ts';

const t = useProductDb();
const alice = { email: 'alice@example.org', name: 'Alice' };

async function rowsOf(table: string, where = 'true', params: unknown[] = []) {
  const { rows } = await t.db.sql.query(`select * from ${table} where ${where} order by id`, params);
  return rows;
}

async function done(result: Promise<ConnectorResult>): Promise<Receipt> {
  const value = await result;
  if (value.state !== 'done') throw new Error(`expected a finished task, got ${value.state}`);
  return value.receipt;
}

describe('postgres connector: access', () => {
  it('access for a subject → their rows in every collection, email matched regardless of case, nobody else', async () => {
    const sink = collectingSink();
    const receipt = await done(t.connector().run(taskContext('access', alice, { records: sink })));

    const ids = (collection: string) =>
      sink.pages.filter((p) => p.collection === collection).flatMap((p) => p.rows.map((r) => String(r.id)));
    expect(ids('accounts')).toEqual(['1']);
    expect(ids('projects')).toEqual(['1', '2']);
    expect(ids('sessions')).toEqual(['1', '2', '3']);
    expect(ids('invoices')).toEqual(['1']);
    expect(receipt.collections).toEqual([
      { collection: 'accounts', found: 1 },
      { collection: 'projects', found: 2 },
      { collection: 'sessions', found: 3 },
      { collection: 'invoices', found: 1 },
    ]);
    expect(receipt.summary).toBe('7 rows found (accounts 1, projects 2, sessions 3, invoices 1)');
    const everything = JSON.stringify(sink.pages);
    for (const other of ['Bob', 'Mallory', 'Not Alice', 'Other Alice', 'Chrome', 'evil.test'])
      expect(everything).not.toContain(other);
  });

  it('access rows → primary key, configured fields and the marketing consent only, as JSON-safe values', async () => {
    const sink = collectingSink();
    await done(t.connector().run(taskContext('access', { email: 'ALICE@EXAMPLE.ORG' }, { records: sink })));
    const account = sink.pages.find((p) => p.collection === 'accounts')!.rows[0]!;
    expect(account).toEqual({
      id: 1,
      email: 'Alice@Example.org',
      display_name: 'Alice A.',
      phone: '+48 600 000 001',
      created_at: '2024-03-01T10:00:00.000Z',
      avatar: Buffer.from([1, 2, 255]).toString('base64'),
      karma: '9007199254740993',
      newsletter: true,
    });
    expect(JSON.parse(JSON.stringify(sink.pages))).toEqual(sink.pages);
    const invoice = sink.pages.find((p) => p.collection === 'invoices')!.rows[0]!;
    expect(invoice).toEqual({ id: 1, amount: '120.50', billing_name: 'Alice Anderson' });
  });

  it('access for look-alike and wildcard addresses → nothing found', async () => {
    for (const email of [
      'a_ice@example.org',
      '%@example.org',
      '%',
      'alice@example',
      'lice@example.org',
      '',
    ]) {
      const sink = collectingSink();
      const receipt = await done(t.connector().run(taskContext('access', { email }, { records: sink })));
      expect(sink.pages, email).toEqual([]);
      expect(receipt.summary).toBe('no rows found');
    }
  });

  it('access for a subject with 2500 sessions → pages of at most 1000, every row exactly once', async () => {
    await t.db.sql.query(
      `insert into sessions (account_id, user_agent, ip) select 1, 'bot ' || g, '10.1.0.1' from generate_series(1, 2497) g`,
    );
    const sink = collectingSink();
    const receipt = await done(t.connector().run(taskContext('access', alice, { records: sink })));
    const pages = sink.pages.filter((p) => p.collection === 'sessions');
    expect(pages.map((p) => p.rows.length)).toEqual([1000, 1000, 500]);
    const ids = pages.flatMap((p) => p.rows.map((r) => String(r.id)));
    const expected = (await rowsOf('sessions', 'account_id = 1')).map((r) => String(r.id));
    expect(new Set(ids).size).toBe(2500);
    expect(ids).toEqual(expected);
    expect(receipt.collections.find((c) => c.collection === 'sessions')?.found).toBe(2500);
  });
});
