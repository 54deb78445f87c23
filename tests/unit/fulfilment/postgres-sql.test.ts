import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgliteLocation } from '../../../src/fulfilment/postgres/source-sql.ts';
import {
  chunks,
  ident,
  placeholders,
  splitTable,
  subjectCondition,
  tableIdent,
} from '../../../src/fulfilment/postgres/sql-text.ts';
import { type CollectionConfig, sourcesFileSchema } from '../../../src/fulfilment/sources-schemas.ts';

function collection(subject: unknown): CollectionConfig {
  const parsed = sourcesFileSchema.parse({
    sources: [
      {
        name: 's',
        kind: 'postgres',
        url: 'pglite:memory',
        collections: [
          {
            name: 'c',
            table: 'app.items',
            subject,
            fields: { x: { category: 'other', erase: { strategy: 'null' } } },
          },
        ],
      },
    ],
  }).sources[0]!;
  if (parsed.kind !== 'postgres') throw new Error('unexpected');
  return parsed.collections[0]!;
}

describe('postgres connector SQL text', () => {
  it('identifiers → double-quoted, embedded quotes doubled, schema and table quoted apart', () => {
    expect(ident('email')).toBe('"email"');
    expect(ident('we"ird')).toBe('"we""ird"');
    expect(tableIdent('public.accounts')).toBe('"public"."accounts"');
    expect(tableIdent('Accounts')).toBe('"Accounts"');
    expect(splitTable('public.accounts')).toEqual({ schema: 'public', table: 'accounts' });
    expect(splitTable('accounts')).toEqual({ schema: null, table: 'accounts' });
  });

  it('email lookup → lower() equality on a parameter, never LIKE, never the value', () => {
    const sql = subjectCondition(collection({ emailColumn: 'email' }), 1);
    expect(sql).toBe('lower(t."email") = lower($1)');
  });

  it('join lookup → foreign key in the join table keys of rows with the email', () => {
    const sql = subjectCondition(
      collection({ join: { table: 'app.users', emailColumn: 'mail', key: 'id', foreignKey: 'user_id' } }),
      2,
    );
    expect(sql).toBe('t."user_id" in (select j."id" from "app"."users" j where lower(j."mail") = lower($2))');
    expect(sql).not.toMatch(/like/i);
  });

  it('placeholders and chunks → numbered from the given start, batches of the given size', () => {
    expect(placeholders(3, 2)).toBe('$2, $3, $4');
    expect(placeholders(0)).toBe('');
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 2)).toEqual([]);
  });

  it('pglite URLs → memory or a resolved, percent-decoded directory', () => {
    expect(pgliteLocation('pglite:memory')).toBe('memory');
    expect(pgliteLocation('pglite://memory')).toBe('memory');
    expect(pgliteLocation('pglite:')).toBe('memory');
    expect(pgliteLocation('pglite:///srv/data/source')).toBe('/srv/data/source');
    expect(pgliteLocation('pglite:/srv/100%25/db')).toBe('/srv/100%/db');
    expect(pgliteLocation('pglite:./local/db')).toBe(path.resolve('local/db'));
  });
});
