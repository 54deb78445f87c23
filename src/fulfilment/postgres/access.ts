import type { CollectionReceipt, Receipt, RecordSink } from '../connector.ts';
import type { PostgresSourceConfig } from '../sources-schemas.ts';
import type { SqlRunner } from './source-sql.ts';
import { ident, subjectCondition, tableIdent } from './sql-text.ts';
import { jsonSafeRow } from './values.ts';

/** Rows read and written per page: a big subject never sits in memory whole. */
export const ACCESS_PAGE = 1000;

/**
 * Copies the subject's rows (primary key and configured fields) of every collection to the sink,
 * a page at a time, paging by primary key so no row is read twice or skipped.
 */
export async function runAccess(
  runner: SqlRunner,
  source: PostgresSourceConfig,
  email: string,
  records: RecordSink,
  pageSize = ACCESS_PAGE,
): Promise<Receipt> {
  const collections: CollectionReceipt[] = [];
  for (const collection of source.collections) {
    const pk = ident(collection.primaryKey);
    // The marketing consent is data about the subject too: an access request shows it.
    const consent = collection.marketingConsentColumn ? [collection.marketingConsentColumn] : [];
    const columns = [...new Set([collection.primaryKey, ...Object.keys(collection.fields), ...consent])];
    const select = `select ${columns.map((c) => `t.${ident(c)}`).join(', ')} from ${tableIdent(collection.table)} t`;
    const where = subjectCondition(collection, 1);
    let found = 0;
    let after: unknown;
    for (;;) {
      const { rows } =
        found === 0
          ? await runner.query(`${select} where ${where} order by t.${pk} limit ${pageSize}`, [email])
          : await runner.query(
              `${select} where ${where} and t.${pk} > $2 order by t.${pk} limit ${pageSize}`,
              [email, after],
            );
      if (rows.length === 0) break;
      found += rows.length;
      after = rows.at(-1)![collection.primaryKey];
      await records.write(collection.name, rows.map(jsonSafeRow));
      if (rows.length < pageSize) break;
    }
    collections.push({ collection: collection.name, found });
  }
  const total = collections.reduce((sum, c) => sum + c.found, 0);
  const summary =
    total === 0
      ? 'no rows found'
      : `${total} ${total === 1 ? 'row' : 'rows'} found (${collections
          .filter((c) => c.found > 0)
          .map((c) => `${c.collection} ${c.found}`)
          .join(', ')})`;
  return { collections, fields: [], summary };
}
