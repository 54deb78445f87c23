import type { Database } from '../../../src/db/client.ts';

/** Per table: `rows:md5 of every row` (pgboss.job: the count only). Equal snapshots mean nothing was stored. */
export type Snapshot = Record<string, string>;

/**
 * Tables whose rows legitimately change on a refused request: they count attempts. `rate_limits`
 * counts every hit, `seen_signatures` remembers a verified callback signature before its body is read
 * (replay guard), failed sign-ins are audited and counted on the account, and a wrong download code
 * uses up one of its tries.
 */
export const attemptCounters = {
  rateLimits: ['rate_limits'],
  callbacks: ['seen_signatures'],
  signIn: ['audit_events', 'staff_accounts'],
  downloadCode: ['download_codes'],
  /**
   * A refused staff form re-renders its page, and showing a request's data to staff is itself recorded
   * (request.viewed, request.looked_up): those access records, and nothing else, may appear.
   */
  accessRecords: ['audit_events (access records)'],
} as const;

const accessKinds = "('request.viewed', 'request.looked_up')";

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * One statement that fingerprints every table of the public schema (rate_limits left out: every hit
 * counts there) and the job queue, so "nothing stored on a 4xx" costs one query per fuzz run.
 */
export async function snapshotter(database: Database): Promise<() => Promise<Snapshot>> {
  const { rows } = await database.executeSql(
    "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
  );
  const tables = rows.map((r) => String(r.table_name)).filter((t) => t !== 'rate_limits');
  if (!tables.includes('requests')) throw new Error(`snapshot: unexpected schema (${tables.join(', ')})`);
  const fingerprint = (from: string) =>
    `(select count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') from ${from})`;
  const parts = tables.map((t) =>
    t === 'audit_events'
      ? `'${t}', ${fingerprint(`${quote(t)} x where x.kind not in ${accessKinds}`)}, '${t} (access records)', ${fingerprint(`${quote(t)} x where x.kind in ${accessKinds}`)}`
      : `'${t}', ${fingerprint(`${quote(t)} x`)}`,
  );
  parts.push(`'pgboss.job', (select count(*)::text from pgboss.job)`);
  const text = `select json_build_object(${parts.join(', ')})::text as snap`;
  return async () => {
    const result = await database.executeSql(text);
    return JSON.parse(String(result.rows[0]?.snap)) as Snapshot;
  };
}

/** The tables that differ, except those allowed to (attempt counters). */
export function changedTables(before: Snapshot, after: Snapshot, allowed: readonly string[] = []): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((t) => !allowed.includes(t) && before[t] !== after[t]).sort();
}
