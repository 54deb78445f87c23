import type { Executor } from '../db/client.ts';
import { keysetPages, pageCollectionAsText } from './bundle-repo.ts';

// data.json, produced a page of rows at a time as the ZIP asks for more: never more than two pages
// in memory.

export type PlannedCollection = { collection: string; rows: number; columns: string[]; csvPath?: string };
export type PlannedSource = { taskId: string; source: string; collections: PlannedCollection[] };

/**
 * data.json: `{reference, law, generatedAt, sources: {<source>: {<collection>: [rows…]}}}`, one row
 * per line, rows as the database stores them.
 */
export async function* dataJsonChunks(
  db: Executor,
  head: { reference: string; law: string; generatedAt: string },
  sources: readonly PlannedSource[],
): AsyncGenerator<string> {
  const j = JSON.stringify;
  yield `{\n"reference": ${j(head.reference)},\n"law": ${j(head.law)},\n"generatedAt": ${j(head.generatedAt)},\n"sources": {`;
  for (const [i, source] of sources.entries()) {
    yield `${i === 0 ? '' : ','}\n  ${j(source.source)}: {`;
    for (const [k, planned] of source.collections.entries()) {
      yield `${k === 0 ? '' : ','}\n    ${j(planned.collection)}: [`;
      let first = true;
      for await (const rows of keysetPages((after) =>
        pageCollectionAsText(db, source.taskId, planned.collection, after),
      )) {
        let chunk = '';
        for (const row of rows) {
          chunk += `${first ? '' : ','}\n      ${row.json}`;
          first = false;
        }
        yield chunk;
      }
      yield first ? ']' : '\n    ]';
    }
    yield source.collections.length === 0 ? '}' : '\n  }';
  }
  yield '\n}\n}\n';
}
