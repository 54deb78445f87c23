import type { CollectionConfig } from '../sources-schemas.ts';
import type { SqlRunner } from './source-sql.ts';
import { chunks, ident, KEY_BATCH, placeholders, subjectCondition, tableIdent } from './sql-text.ts';

/**
 * The primary keys of the subject's rows in a collection, in key order. `lock` takes row locks
 * (inside a writing transaction) so nothing changes them between lookup and update.
 */
export async function subjectKeys(
  runner: SqlRunner,
  collection: CollectionConfig,
  email: string,
  options: { lock?: boolean } = {},
): Promise<unknown[]> {
  const pk = ident(collection.primaryKey);
  const { rows } = await runner.query(
    `select t.${pk} as pk from ${tableIdent(collection.table)} t where ${subjectCondition(collection, 1)} ` +
      `order by t.${pk}${options.lock ? ' for update of t' : ''}`,
    [email],
  );
  return rows.map((row) => row.pk);
}

/**
 * Runs `statement(inList)` over the keys in batches, `inList` being `$from, ...` placeholders that
 * follow the statement's own `params`; returns every returned row.
 */
export async function byKeys(
  runner: SqlRunner,
  keys: readonly unknown[],
  params: readonly unknown[],
  statement: (inList: string) => string,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const batch of chunks(keys, KEY_BATCH)) {
    const { rows } = await runner.query(statement(placeholders(batch.length, params.length + 1)), [
      ...params,
      ...batch,
    ]);
    out.push(...rows);
  }
  return out;
}
