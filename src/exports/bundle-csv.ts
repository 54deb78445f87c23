import { stringify } from 'csv-stringify/sync';
import type { Executor } from '../db/client.ts';
import { keysetPages, pageCollection } from './bundle-repo.ts';

// CSV for spreadsheets: RFC 4180 (CRLF, fields with a comma, quote or line break quoted, quotes
// doubled), UTF-8 with a BOM so Excel reads Unicode, and formula injection made harmless: a text cell
// starting with = + - @ tab or CR (or their full-width forms) gets a leading ' (csv-stringify's
// escape_formulas, which leaves real negative numbers alone). Column names are cells like any other.

export const BOM = '\uFEFF';

const options = {
  record_delimiter: 'windows',
  // Any CR or LF inside a value is quoted (csv-stringify's default with a custom delimiter looks for
  // CRLF only, and a lone LF would then split the row).
  quote_record_delimiter: true,
  escape_formulas: true,
  cast: {
    boolean: (value: boolean) => String(value),
    // Nested objects and arrays as JSON text.
    object: (value: object) => JSON.stringify(value),
  },
} as const;

/** One cell's value as csv-stringify takes it: numbers stay numbers, the rest text. */
function cell(value: unknown): string | number | boolean | object | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'object') return value;
  return String(value);
}

/** CSV lines (with CRLF) for the header or rows, each row an object read by `columns`. */
export function csvLines(rows: readonly unknown[], columns: readonly string[]): string {
  if (rows.length === 0) return '';
  const records = rows.map((row) => {
    const record = row !== null && typeof row === 'object' && !Array.isArray(row) ? row : { value: row };
    return columns.map((c) => cell((record as Record<string, unknown>)[c]));
  });
  return stringify(records, options);
}

/** The header line, escaped like data: a column can be named "=cmd" too. */
export function csvHeader(columns: readonly string[]): string {
  return columns.length === 0 ? '\r\n' : stringify([columns as string[]], options);
}

/** One collection as CSV: BOM, header of `columns`, then the rows a page at a time. */
export async function* csvChunks(
  db: Executor,
  taskId: string,
  collection: string,
  columns: readonly string[],
): AsyncGenerator<string> {
  yield BOM + csvHeader(columns);
  for await (const rows of keysetPages((after) => pageCollection(db, taskId, collection, after))) {
    yield csvLines(
      rows.map((r) => r.data),
      columns,
    );
  }
}
