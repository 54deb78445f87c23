/**
 * pg-boss runs its migrations and maintenance as parameterless scripts that open and commit their own
 * transaction ("BEGIN; SET LOCAL …; advisory lock; …; COMMIT;", plans.locked). Sent as they are, a
 * statement failing midway (a lock timeout, a deadlock with a worker, a statement timeout) skips the
 * COMMIT and leaves the session in an aborted transaction: every later query on that connection fails
 * with 25P02. On PGlite that is the only connection; on PostgreSQL the pool hands the poisoned one to
 * the next request until it is recycled. So the body runs in a transaction the driver owns, which
 * rolls back on failure before the connection is used again.
 */
const ownTransaction = /^\s*BEGIN\s*;([\s\S]*?)COMMIT\s*;\s*$/i;

/** The statements between the script's own BEGIN and COMMIT, or undefined when it has no such frame. */
export function ownTransactionBody(text: string): string | undefined {
  const body = ownTransaction.exec(text)?.[1];
  // A frame with another BEGIN or COMMIT inside is not one transaction: leave such a script alone.
  if (body === undefined || /\b(BEGIN|COMMIT)\s*;/i.test(body)) return undefined;
  return body;
}

/** postgres.js answers a multi-statement script with one result per statement; keep the last. */
export function lastStatementRows(result: unknown[]): Record<string, unknown>[] {
  const last = Array.isArray(result[0]) ? (result.at(-1) as unknown[]) : result;
  return Array.from(last) as Record<string, unknown>[];
}
