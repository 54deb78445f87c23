import type { CollectionReceipt, Correction, Receipt, RectificationChange } from '../connector.ts';
import type { PostgresSourceConfig } from '../sources-schemas.ts';
import { plural } from './erase-report.ts';
import type { SourceSql, SqlRunner } from './source-sql.ts';
import { ident, subjectCondition, tableIdent } from './sql-text.ts';
import { byKeys, subjectKeys } from './subject-rows.ts';
import { matchingFields } from './values.ts';

/**
 * Applies accepted corrections to the fields they name, in one transaction. Only fields marked
 * rectifiable change; a matching field that is not is named in the summary and left alone.
 */
export async function runRectify(
  sql: SourceSql,
  source: PostgresSourceConfig,
  email: string,
  corrections: readonly Correction[],
): Promise<Receipt> {
  return sql.transaction(async (tx) => {
    const keyed = [];
    for (const collection of source.collections)
      keyed.push({ collection, keys: await subjectKeys(tx, collection, email, { lock: true }) });

    const updatedRows = keyed.map(() => new Set<string>());
    const applied = new Set<string>();
    const refused = new Set<string>();
    let matchedRectifiable = false;
    for (const correction of corrections) {
      for (const [i, { collection, keys }] of keyed.entries()) {
        for (const name of matchingFields(collection, correction.field)) {
          if (!collection.fields[name]!.rectifiable) {
            refused.add(name);
            continue;
          }
          matchedRectifiable = true;
          if (keys.length === 0) continue;
          const pk = ident(collection.primaryKey);
          const rows = await byKeys(
            tx,
            keys,
            [correction.value],
            (inList) =>
              `update ${tableIdent(collection.table)} t set ${ident(name)} = $1 where t.${pk} in (${inList}) ` +
              `and t.${ident(name)} is distinct from $1 returning t.${pk}`,
          );
          for (const row of rows) updatedRows[i]!.add(String(row[collection.primaryKey]));
          applied.add(`${collection.name}.${name}`);
        }
      }
    }
    const collections: CollectionReceipt[] = keyed.map(({ collection, keys }, i) => ({
      collection: collection.name,
      found: keys.length,
      updated: updatedRows[i]!.size,
    }));
    return {
      collections,
      fields: [],
      summary: rectifySummary(applied.size, matchedRectifiable, [...refused]),
    };
  });
}

export function rectifySummary(
  applied: number,
  matchedRectifiable: boolean,
  refused: readonly string[],
): string {
  const parts: string[] = [];
  if (applied > 0) parts.push(`${plural(applied, 'field')} updated`);
  else if (matchedRectifiable) parts.push('no rows found to update');
  if (refused.length > 0) parts.push(`${refused.map((f) => `'${f}'`).join(', ')} cannot be changed here`);
  return parts.length > 0 ? parts.join('; ') : 'no field here matches the corrections';
}

/** Current values against every correction, per matching field and subject row; changes nothing. */
export async function rectificationDiff(
  runner: SqlRunner,
  source: PostgresSourceConfig,
  email: string,
  corrections: readonly Correction[],
): Promise<RectificationChange[]> {
  const changes: RectificationChange[] = [];
  for (const [index, correction] of corrections.entries()) {
    for (const collection of source.collections) {
      for (const name of matchingFields(collection, correction.field)) {
        const pk = ident(collection.primaryKey);
        const { rows } = await runner.query(
          `select t.${pk}::text as key_text, t.${ident(name)}::text as value_text ` +
            `from ${tableIdent(collection.table)} t where ${subjectCondition(collection, 1)} order by t.${pk}`,
          [email],
        );
        for (const row of rows)
          changes.push({
            source: source.name,
            collection: collection.name,
            row: String(row.key_text),
            field: name,
            current: row.value_text === null ? null : String(row.value_text),
            proposed: correction.value,
            rectifiable: collection.fields[name]!.rectifiable,
            correction: index,
          });
      }
    }
  }
  return changes;
}
