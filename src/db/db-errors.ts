// Signs that the database could not be reached, rather than that a query was wrong. Drivers and
// drizzle wrap errors (DrizzleQueryError keeps the driver's error as `cause`), so the chain is walked.

// Socket errors, and postgres.js's own codes for a connection it lost or could not open.
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

// SQLSTATE: class 08 (connection exception) but not 08P01 (protocol violation: a bug or a misfit
// pooler, not an outage); 57P01–57P03 (shutting down, crashed, starting up); 53300 (too many
// connections). All pass once the server is back.
const unavailableState = /^(08(?!P01)[0-9A-Z]{3}|57P0[1-3]|53300)$/;

/** The code that shows the database is unreachable, or undefined for any other error. */
export function databaseUnavailableCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (connectionCodes.has(code) || unavailableState.test(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
