import type { CollectionReceipt, ErasurePlan, Receipt } from '../connector.ts';
import type { CollectionConfig, PostgresSourceConfig } from '../sources-schemas.ts';
import { deletesRows, eraseSummary, fieldOutcomes, retainsRows } from './erase-report.ts';
import type { SourceSql, SqlRunner } from './source-sql.ts';
import { ident, tableIdent } from './sql-text.ts';
import { byKeys, subjectKeys } from './subject-rows.ts';
import { hashedReplacement } from './values.ts';

type Keyed = { collection: CollectionConfig; keys: unknown[] };

/**
 * Erases the subject from the whole source in one transaction. The subject's keys are resolved in
 * every collection first, so masking the email of a join table cannot hide the child rows; then
 * masks run in listed order and deletes in reverse order (children are usually listed after parents).
 * A rerun finds nothing left to change: hashed values are not hashed again.
 */
export async function runErase(
  sql: SourceSql,
  source: PostgresSourceConfig,
  email: string,
  hashKey: Buffer,
): Promise<Receipt> {
  return sql.transaction(async (tx) => {
    const keyed: Keyed[] = [];
    for (const collection of source.collections)
      keyed.push({ collection, keys: await subjectKeys(tx, collection, email, { lock: true }) });

    const receipts: CollectionReceipt[] = new Array(keyed.length);
    const order = [
      ...keyed.map((k, i) => [k, i] as const).filter(([k]) => !deletesRows(k.collection)),
      ...keyed
        .map((k, i) => [k, i] as const)
        .filter(([k]) => deletesRows(k.collection))
        .reverse(),
    ];
    for (const [k, i] of order) {
      try {
        receipts[i] = deletesRows(k.collection) ? await deleteRows(tx, k) : await maskRows(tx, k, hashKey);
      } catch (error) {
        // The driver's message can quote the subject's values: keep only the SQLSTATE.
        throw new Error(`erasing collection ${k.collection.name} failed (${sqlState(error)})`, {
          cause: error,
        });
      }
    }
    const fields = keyed.flatMap((k) => fieldOutcomes(k.collection, k.keys.length));
    return { collections: receipts, fields, summary: eraseSummary(receipts, fields) };
  });
}

async function deleteRows(tx: SqlRunner, { collection, keys }: Keyed): Promise<CollectionReceipt> {
  const pk = ident(collection.primaryKey);
  const deleted = await byKeys(
    tx,
    keys,
    [],
    (inList) =>
      `delete from ${tableIdent(collection.table)} t where t.${pk} in (${inList}) returning t.${pk}`,
  );
  return { collection: collection.name, found: keys.length, deleted: deleted.length };
}

async function maskRows(
  tx: SqlRunner,
  { collection, keys }: Keyed,
  hashKey: Buffer,
): Promise<CollectionReceipt> {
  const pk = ident(collection.primaryKey);
  const table = tableIdent(collection.table);
  const changed = new Set<string>();
  const fields = Object.entries(collection.fields);

  // null and redact in one statement per batch, touching only rows that still hold something else.
  const params: unknown[] = [];
  const sets: string[] = [];
  const differs: string[] = [];
  for (const [name, field] of fields) {
    if (field.erase.strategy === 'null') {
      sets.push(`${ident(name)} = null`);
      differs.push(`t.${ident(name)} is not null`);
    } else if (field.erase.strategy === 'redact') {
      params.push(field.erase.text);
      sets.push(`${ident(name)} = $${params.length}`);
      differs.push(`t.${ident(name)} is distinct from $${params.length}`);
    }
  }
  if (sets.length > 0) {
    const rows = await byKeys(
      tx,
      keys,
      params,
      (inList) =>
        `update ${table} t set ${sets.join(', ')} where t.${pk} in (${inList}) ` +
        `and (${differs.join(' or ')}) returning t.${pk}`,
    );
    for (const row of rows) changed.add(String(row[collection.primaryKey]));
  }

  // hash is computed here (keyed HMAC), row by row; values already hashed stay as they are.
  const hashed = fields.filter(([, field]) => field.erase.strategy === 'hash').map(([name]) => name);
  if (hashed.length > 0) {
    const rows = await byKeys(
      tx,
      keys,
      [],
      (inList) =>
        `select t.${pk}, ${hashed.map((h) => `t.${ident(h)}`).join(', ')} from ${table} t where t.${pk} in (${inList})`,
    );
    for (const row of rows) {
      const updates = hashed
        .map((name) => [name, hashedReplacement(hashKey, row[name])] as const)
        .filter(([name, value]) => value !== row[name]);
      if (updates.length === 0) continue;
      await tx.query(
        `update ${table} set ${updates.map(([name], i) => `${ident(name)} = $${i + 1}`).join(', ')} ` +
          `where ${pk} = $${updates.length + 1}`,
        [...updates.map(([, value]) => value), row[collection.primaryKey]],
      );
      changed.add(String(row[collection.primaryKey]));
    }
  }

  return {
    collection: collection.name,
    found: keys.length,
    masked: changed.size,
    retained: retainsRows(collection) ? keys.length : 0,
  };
}

/** The erasure dry run: the same lookup, counted in a read-only transaction. */
export async function planErasure(
  sql: SourceSql,
  source: PostgresSourceConfig,
  email: string,
): Promise<ErasurePlan> {
  const fields = await sql.transaction(
    async (tx) => {
      const out = [];
      for (const collection of source.collections) {
        const keys = await subjectKeys(tx, collection, email);
        out.push(...fieldOutcomes(collection, keys.length));
      }
      return out;
    },
    { readOnly: true },
  );
  return { source: source.name, kind: 'postgres', fields, notes: [] };
}

/** "SQLSTATE 23502" and the like: says what kind of failure without quoting any value. */
export function sqlState(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `SQLSTATE ${code}` : 'database error';
}
