import type { CollectionReceipt, FieldOutcome } from '../connector.ts';
import type { CollectionConfig } from '../sources-schemas.ts';

/** What erasure does (or would do) to each configured field of a collection, for `rows` of the subject's rows. */
export function fieldOutcomes(collection: CollectionConfig, rows: number): FieldOutcome[] {
  return Object.entries(collection.fields).map(([field, config]) => {
    const outcome: FieldOutcome = {
      collection: collection.name,
      field,
      category: config.category,
      outcome: config.erase.strategy,
      rows,
    };
    if (config.erase.strategy === 'retain') {
      outcome.basis = config.erase.basis;
      outcome.period = config.erase.period;
    }
    return outcome;
  });
}

/** Whether erasure deletes the collection's rows (any field says delete) rather than masking fields. */
export function deletesRows(collection: CollectionConfig): boolean {
  return Object.values(collection.fields).some((field) => field.erase.strategy === 'delete');
}

export function retainsRows(collection: CollectionConfig): boolean {
  return Object.values(collection.fields).some((field) => field.erase.strategy === 'retain');
}

export function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}

/** One human line: "4 rows deleted, 2 masked, 1 kept (tax law, 5 years)". */
export function eraseSummary(
  collections: readonly CollectionReceipt[],
  fields: readonly FieldOutcome[],
): string {
  const total = (key: 'found' | 'deleted' | 'masked' | 'retained') =>
    collections.reduce((sum, c) => sum + (c[key] ?? 0), 0);
  const found = total('found');
  if (found === 0) return 'no rows found';
  const reasons = [
    ...new Set(
      fields.filter((f) => f.outcome === 'retain' && f.rows > 0).map((f) => `${f.basis}, ${f.period}`),
    ),
  ];
  const parts: [number, string][] = [
    [total('deleted'), 'deleted'],
    [total('masked'), 'masked'],
    [total('retained'), reasons.length > 0 ? `kept (${reasons.join('; ')})` : 'kept'],
  ];
  const said = parts.filter(([n]) => n > 0);
  if (said.length === 0) return `${plural(found, 'row')} found, already erased`;
  return said.map(([n, what], i) => (i === 0 ? `${plural(n, 'row')} ${what}` : `${n} ${what}`)).join(', ');
}
