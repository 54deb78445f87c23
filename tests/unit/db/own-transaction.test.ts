import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { lastStatementRows, ownTransactionBody } from '../../../src/db/own-transaction.ts';

const plans = createRequire(import.meta.url)('pg-boss/src/plans.js') as {
  locked(schema: string, query: string | string[]): string;
};

describe('ownTransactionBody', () => {
  it("pg-boss's own locked script → the statements between its BEGIN and COMMIT", () => {
    const body = ownTransactionBody(plans.locked('pgboss', ['DELETE FROM a', 'DELETE FROM b']));
    expect(body).toBeDefined();
    expect(body).toContain("SET LOCAL lock_timeout = '30s'");
    expect(body).toContain('pg_advisory_xact_lock');
    expect(body).toContain('DELETE FROM a;\nDELETE FROM b');
    expect(body).not.toMatch(/\bBEGIN\s*;|\bCOMMIT\s*;/i);
  });

  it('lower case and no spaces → recognised', () => {
    expect(ownTransactionBody('begin;select 1;commit;')).toBe('select 1;');
  });

  it('a script without its own transaction, or a DO block with BEGIN … END → left alone', () => {
    expect(ownTransactionBody('select 1; select 2')).toBeUndefined();
    expect(ownTransactionBody('DO $$ BEGIN PERFORM 1; END $$;')).toBeUndefined();
  });

  it('two transactions in one script, or statements after the COMMIT → left alone', () => {
    expect(ownTransactionBody('BEGIN; select 1; COMMIT; BEGIN; select 2; COMMIT;')).toBeUndefined();
    expect(ownTransactionBody('BEGIN; select 1; COMMIT; select 2;')).toBeUndefined();
  });
});

describe('lastStatementRows', () => {
  it('one statement → its rows; several → the last one’s; none returned → empty', () => {
    expect(lastStatementRows([{ a: 1 }, { a: 2 }])).toEqual([{ a: 1 }, { a: 2 }]);
    expect(lastStatementRows([[{ a: 1 }], [{ b: 2 }]])).toEqual([{ b: 2 }]);
    expect(lastStatementRows([[{ a: 1 }], []])).toEqual([]);
    expect(lastStatementRows([])).toEqual([]);
  });
});
