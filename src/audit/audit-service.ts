import type { Db, Executor } from '../db/client.ts';
import type { AuditEventRow } from '../db/schema.ts';
import { computeAuditHash, GENESIS_HASH } from './audit-hash.ts';
import {
  countUnsealedAuditEvents,
  insertAuditEvent,
  iterateSealedAuditEventPages,
  listAuditEventsByRequest,
} from './audit-repo.ts';
import { canonicalJson } from './canonical-json.ts';

export { computeAuditHash, GENESIS_HASH } from './audit-hash.ts';
export { type AuditSealer, sealAuditChain, startAuditSealer } from './audit-sealer.ts';

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

export type AuditBreakReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap';

export type AuditVerification =
  | { ok: true; events: number; lastHash: string; unsealed: number }
  | {
      ok: false;
      /** Events that verified before the break. */
      events: number;
      brokenAt: { id: number; reason: AuditBreakReason };
      /** Events not yet sealed into the chain, so not covered by the check. */
      unsealed: number;
    };

export const DEFAULT_VERIFY_PAGE_SIZE = 1000;

/**
 * Records one event, in the caller's transaction, so the event exists exactly when the state change
 * it records commits. A plain insert: no lock and no hash, so concurrent transactions never wait
 * for each other here. The event is sealed into the global hash chain (given its seq, prevHash and
 * hash) by the audit sealer within about a second of its commit; until then it is unsealed, and
 * the returned row has seq, prevHash and hash null.
 *
 * Personal data must not go into `actor` or `data`: no names, emails, free-text details or
 * corrections. The chain is immutable, and erasure (issue 9) removes personal data from requests
 * while the chain must still verify; refer to the request by `requestId` and describe what changed.
 *
 * `data` must be plain JSON (a Date, NaN or a class instance throws); it is stored in canonical
 * form (and hashed from what is stored), and the returned row carries it as stored.
 */
export async function appendAuditEvent(ex: Executor, event: AuditEventInput): Promise<AuditEventRow> {
  const data = JSON.parse(canonicalJson(event.data ?? {})) as Record<string, unknown>;
  return insertAuditEvent(ex, {
    requestId: event.requestId ?? null,
    kind: event.kind,
    actor: event.actor,
    data,
    at: event.at,
  });
}

/** A request's events in the order they happened, for its timeline. */
export async function listRequestEvents(ex: Executor, requestId: string): Promise<AuditEventRow[]> {
  return listAuditEventsByRequest(ex, requestId);
}

/**
 * Walks the sealed chain in seq order, a page at a time (memory stays flat however long the
 * chain), and reports the first event that does not verify: `hash_mismatch` when its content (or
 * its own prevHash) was changed, `seq_gap` when its seq does not follow the one before (an event
 * was deleted), `prev_hash_mismatch` when it does not follow the event before it (an event was
 * rewritten with a recomputed hash, or replaced). Safe while sealing goes on: a batch's seqs
 * commit together and above every earlier one. Unsealed events are counted, not checked.
 */
export async function verifyAuditChain(
  db: Db,
  options: { pageSize?: number } = {},
): Promise<AuditVerification> {
  let expectedPrev = GENESIS_HASH;
  let events = 0;
  for await (const page of iterateSealedAuditEventPages(db, options.pageSize ?? DEFAULT_VERIFY_PAGE_SIZE)) {
    for (const row of page) {
      const reason = checkEvent(row, events + 1, expectedPrev);
      if (reason) {
        const unsealed = await countUnsealedAuditEvents(db);
        return { ok: false, events, brokenAt: { id: row.id, reason }, unsealed };
      }
      expectedPrev = row.hash!;
      events++;
    }
  }
  return { ok: true, events, lastHash: expectedPrev, unsealed: await countUnsealedAuditEvents(db) };
}

function checkEvent(row: AuditEventRow, seq: number, prevHash: string): AuditBreakReason | undefined {
  if (row.prevHash === null || row.hash === null) return 'hash_mismatch';
  if (computeAuditHash({ ...row, prevHash: row.prevHash }) !== row.hash) return 'hash_mismatch';
  if (row.seq !== seq) return 'seq_gap';
  if (row.prevHash !== prevHash) return 'prev_hash_mismatch';
  return undefined;
}
