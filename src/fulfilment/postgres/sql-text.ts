import type { CollectionConfig } from '../sources-schemas.ts';

// Identifiers come from the validated sources file (plain SQL identifiers by shape) and are still
// double-quoted; values never appear in SQL text, only as $n parameters.

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `schema.table` or `table` → "schema"."table" / "table". */
export function tableIdent(table: string): string {
  return table.split('.').map(ident).join('.');
}

/** The schema and table a configured name refers to; null schema means the connection's current schema. */
export function splitTable(table: string): { schema: string | null; table: string } {
  const dot = table.indexOf('.');
  return dot < 0 ? { schema: null, table } : { schema: table.slice(0, dot), table: table.slice(dot + 1) };
}

/**
 * The WHERE condition selecting the subject's rows of a collection aliased `t`, the email being
 * parameter `$<param>`. Equality on lower(): wildcards and quotes in an address are plain data.
 */
export function subjectCondition(collection: CollectionConfig, param: number): string {
  const subject = collection.subject;
  if ('emailColumn' in subject) return `lower(t.${ident(subject.emailColumn)}) = lower($${param})`;
  const join = subject.join;
  return (
    `t.${ident(join.foreignKey)} in (select j.${ident(join.key)} from ${tableIdent(join.table)} j ` +
    `where lower(j.${ident(join.emailColumn)}) = lower($${param}))`
  );
}

/** `$from, $from+1, ...` for n values. */
export function placeholders(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Statements address rows by primary key in batches of this many parameters. */
export const KEY_BATCH = 1000;
