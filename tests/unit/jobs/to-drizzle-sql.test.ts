import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { toDrizzleSql } from '../../../src/jobs/jobs.ts';

const dialect = new PgDialect();

describe('toDrizzleSql (pg-boss text inside a drizzle transaction)', () => {
  it('numbered parameters → drizzle parameters in the same positions', () => {
    const query = dialect.sqlToQuery(
      toDrizzleSql('insert into t (a, b) values ($1, $2::jsonb)', ['x', { k: 1 }]),
    );
    expect(query.sql).toBe('insert into t (a, b) values ($1, $2::jsonb)');
    expect(query.params).toEqual(['x', '{"k":1}']);
  });

  it('a parameter used twice or out of order → each use gets its value', () => {
    const query = dialect.sqlToQuery(toDrizzleSql('select $2, $1, $2', ['a', 'b']));
    expect(query.sql).toBe('select $1, $2, $3');
    expect(query.params).toEqual(['b', 'a', 'b']);
  });

  it('$10 and above → not confused with $1', () => {
    const values = Array.from({ length: 11 }, (_, i) => i);
    const query = dialect.sqlToQuery(toDrizzleSql('select $10, $11, $1', values));
    expect(query.params).toEqual([9, 10, 0]);
  });

  it('dates and arrays → passed through untouched', () => {
    const when = new Date('2026-01-01T00:00:00Z');
    const query = dialect.sqlToQuery(toDrizzleSql('select $1, $2', [when, ['a', 'b']]));
    expect(query.params[0]).toBe(when);
    expect(query.params[1]).toEqual(['a', 'b']);
  });
});
