import type { Logger } from '../logger.ts';
import { loggableError } from '../logger.ts';
import { databaseUnavailableCode } from './db-errors.ts';

/**
 * postgres.js (3.4.x) looks up array types with a query of its own on every new connection and drops
 * that query's promise (porsager/postgres#1192, #1205). When the lookup fails (the server stopped
 * mid-handshake, so the reconnect is refused; a statement timeout; a cancel), nothing handles the
 * rejection and Node ends the process. The query waiting on that connection fails on its own and is
 * answered 503, so this one is only logged. The lookup is recognised by its text, which the driver
 * attaches to the error as `query`.
 */
export function isDroppedTypeLookup(reason: unknown): boolean {
  if (!reason || typeof reason !== 'object') return false;
  const query = (reason as { query?: unknown }).query;
  return typeof query === 'string' && query.includes('pg_catalog.pg_type') && query.includes('typarray');
}

/**
 * The process's last word on unhandled rejections: the driver's dropped type lookups are logged and
 * survived; anything else is logged and ends the process with status 1, as Node's default would (a
 * process manager restarts it).
 */
export function unhandledRejectionHandler(
  logger: Pick<Logger, 'warn' | 'fatal'>,
  exit: (code: number) => void = process.exit,
): (reason: unknown) => void {
  return (reason) => {
    // The lookup above, and (seen once in CI, source not traced; the sql.reserve() path, which
    // rejects without the query attached, has since gone) a bare refused connection: the driver
    // reconnects, so a database that is down is not a reason to end the process.
    if (isDroppedTypeLookup(reason) || databaseUnavailableCode(reason)) {
      const code = (reason as { code?: unknown }).code;
      logger.warn({ code }, 'database: a connection failed (unhandled by the driver); it will be retried');
      return;
    }
    logger.fatal({ err: loggableError(reason) }, 'unhandled promise rejection: exiting');
    exit(1);
  };
}

export function guardUnhandledRejections(logger: Logger): void {
  process.on('unhandledRejection', unhandledRejectionHandler(logger));
}
