import { SourceCheckError } from '../connector.ts';
import type { PostgresSourceConfig } from '../sources-schemas.ts';
import type { SqlRunner } from './source-sql.ts';
import { splitTable } from './sql-text.ts';

type Columns = Set<string> | null; // null: the table does not exist

/**
 * Checks every configured table and column against information_schema; the first one missing is
 * reported with its path in the sources file (sources.<name>.collections[i].fields.email).
 */
export async function checkSchema(runner: SqlRunner, source: PostgresSourceConfig): Promise<void> {
  const cache = new Map<string, Columns>();
  const columnsOf = async (table: string): Promise<Columns> => {
    if (!cache.has(table)) cache.set(table, await loadColumns(runner, table));
    return cache.get(table)!;
  };

  for (const [i, collection] of source.collections.entries()) {
    const at = `sources.${source.name}.collections[${i}]`;
    const own = await columnsOf(collection.table);
    if (!own) throw new SourceCheckError(`${at}.table`, `table "${collection.table}" does not exist`);
    const need = (columns: Set<string>, table: string, column: string, path: string) => {
      if (!columns.has(column))
        throw new SourceCheckError(`${at}.${path}`, `column "${column}" does not exist in table "${table}"`);
    };
    need(own, collection.table, collection.primaryKey, 'primaryKey');
    if ('emailColumn' in collection.subject) {
      need(own, collection.table, collection.subject.emailColumn, 'subject.emailColumn');
    } else {
      const join = collection.subject.join;
      const joined = await columnsOf(join.table);
      if (!joined)
        throw new SourceCheckError(`${at}.subject.join.table`, `table "${join.table}" does not exist`);
      need(joined, join.table, join.emailColumn, 'subject.join.emailColumn');
      need(joined, join.table, join.key, 'subject.join.key');
      need(own, collection.table, join.foreignKey, 'subject.join.foreignKey');
    }
    for (const field of Object.keys(collection.fields)) need(own, collection.table, field, `fields.${field}`);
    if (collection.marketingConsentColumn)
      need(own, collection.table, collection.marketingConsentColumn, 'marketingConsentColumn');
  }
}

async function loadColumns(runner: SqlRunner, qualified: string): Promise<Columns> {
  const { schema, table } = splitTable(qualified);
  const { rows } = await runner.query(
    'select column_name from information_schema.columns ' +
      'where table_schema = coalesce($1::text, current_schema()) and table_name = $2::text',
    [schema, table],
  );
  return rows.length === 0 ? null : new Set(rows.map((row) => String(row.column_name)));
}
