import type { CollectionReceipt, Receipt } from '../connector.ts';
import type { PostgresSourceConfig } from '../sources-schemas.ts';
import { plural } from './erase-report.ts';
import type { SourceSql } from './source-sql.ts';
import { ident, tableIdent } from './sql-text.ts';
import { byKeys, subjectKeys } from './subject-rows.ts';

/** Sets the marketing consent column to false on the subject's rows, in one transaction. */
export async function runOptOut(
  sql: SourceSql,
  source: PostgresSourceConfig,
  email: string,
): Promise<Receipt> {
  const collections = await sql.transaction(async (tx) => {
    const out: CollectionReceipt[] = [];
    for (const collection of source.collections) {
      const column = collection.marketingConsentColumn;
      if (!column) continue;
      const keys = await subjectKeys(tx, collection, email, { lock: true });
      const pk = ident(collection.primaryKey);
      const rows = await byKeys(
        tx,
        keys,
        [],
        (inList) =>
          `update ${tableIdent(collection.table)} t set ${ident(column)} = false where t.${pk} in (${inList}) ` +
          `and t.${ident(column)} is distinct from false returning t.${pk}`,
      );
      out.push({ collection: collection.name, found: keys.length, updated: rows.length });
    }
    return out;
  });
  const found = collections.reduce((sum, c) => sum + c.found, 0);
  const updated = collections.reduce((sum, c) => sum + (c.updated ?? 0), 0);
  const summary =
    found === 0
      ? 'no rows found'
      : updated > 0
        ? `marketing consent withdrawn on ${plural(updated, 'row')}`
        : `already opted out (${plural(found, 'row')})`;
  return { collections, fields: [], summary };
}
