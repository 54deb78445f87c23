import type { Db, Executor } from '../db/client.ts';
import type { AuditEventRow } from '../db/schema.ts';
import { computeAuditHash, GENESIS_HASH } from './audit-hash.ts';
import {
  findLastAuditHash,
  insertAuditEvent,
  inTransaction,
  iterateAuditEventPages,
  listAuditEventsByRequest,
  lockAuditChain,
} from './audit-repo.ts';
import { canonicalJson } from './canonical-json.ts';

export { computeAuditHash, GENESIS_HASH } from './audit-hash.ts';

export type AuditEventInput = {
  requestId?: string | null;
  /** What happened, e.g. `request.approved`. */
  kind: string;
  /** Who did it: a staff account id, `subject`, `system`, a job name. Never an email address. */
  actor: string;
  /** Facts about the event: ids, statuses, reason codes, dates. Never personal data (see below). */
  data?: Record<string, unknown>;
  at: Date;
};

export type AuditVerification =
  | { ok: true; events: number; lastHash: string }
  | {
      ok: false;
      /** Events that verified before the break. */
      events: number;
      brokenAt: { id: number; reason: 'hash_mismatch' | 'prev_hash_mismatch' };
    };

export const DEFAULT_VERIFY_PAGE_SIZE = 1000;

/**
 * Appends one event to the global hash chain, in the caller's transaction, so the event exists
 * exactly when the state change it records commits (given the database instead, it opens its own).
 *
 * Personal data must not go into `actor` or `data`: no names, emails, free-text details or
 * corrections. The chain is immutable, and erasure (issue 9) removes personal data from requests
 * while the chain must still verify; refer to the request by `requestId` and describe what changed.
 *
 * Concurrency: a transaction-scoped advisory lock is taken first, so appends from concurrent
 * transactions line up one after another; it is held until the caller's transaction ends.
 * Append as late as possible in the transaction (after the other writes, right before commit)
 * so that other appenders wait as little as possible. The caller's transaction must be READ
 * COMMITTED (PostgreSQL's default): under REPEATABLE READ or SERIALIZABLE the read of the chain tip
 * could use a snapshot older than the lock and fork the chain.
 *
 * `data` must be plain JSON (a Date, NaN or a class instance throws); it is stored and hashed in
 * canonical form, and the returned row carries it as stored.
 */
export async function appendAuditEvent(ex: Executor, event: AuditEventInput): Promise<AuditEventRow> {
  const data = JSON.parse(canonicalJson(event.data ?? {})) as Record<string, unknown>;
  const fields = {
    requestId: event.requestId ?? null,
    kind: event.kind,
    actor: event.actor,
    data,
    at: event.at,
  };
  return inTransaction(ex, async (tx) => {
    await lockAuditChain(tx);
    const prevHash = (await findLastAuditHash(tx)) ?? GENESIS_HASH;
    const hash = computeAuditHash({ ...fields, prevHash });
    return insertAuditEvent(tx, { ...fields, prevHash, hash });
  });
}

/** A request's events in the order they happened, for its timeline. */
export async function listRequestEvents(ex: Executor, requestId: string): Promise<AuditEventRow[]> {
  return listAuditEventsByRequest(ex, requestId);
}

/**
 * Walks the whole chain in id order, a page at a time (memory stays flat however long the chain),
 * and reports the first event that does not verify: `hash_mismatch` when its content (or its own
 * prevHash) was changed, `prev_hash_mismatch` when it does not follow the event before it (an
 * event was deleted or inserted). Safe while appends go on: ids are taken and committed in lock
 * order, so a page never skips an event that commits later.
 */
export async function verifyAuditChain(
  db: Db,
  options: { pageSize?: number } = {},
): Promise<AuditVerification> {
  let expectedPrev = GENESIS_HASH;
  let events = 0;
  for await (const page of iterateAuditEventPages(db, options.pageSize ?? DEFAULT_VERIFY_PAGE_SIZE)) {
    for (const row of page) {
      if (computeAuditHash(row) !== row.hash) {
        return { ok: false, events, brokenAt: { id: row.id, reason: 'hash_mismatch' } };
      }
      if (row.prevHash !== expectedPrev) {
        return { ok: false, events, brokenAt: { id: row.id, reason: 'prev_hash_mismatch' } };
      }
      expectedPrev = row.hash;
      events++;
    }
  }
  return { ok: true, events, lastHash: expectedPrev };
}
