import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** The prevHash of the first event in the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an event's hash covers: its content and the hash of the event before it (not its id). */
export type AuditHashInput = {
  prevHash: string;
  requestId: string | null;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
};

/**
 * SHA-256 (hex) over the canonical JSON of the event. `at` is hashed as its ISO string with
 * milliseconds: JS dates have ms precision and timestamptz keeps µs, so it reads back unchanged.
 */
export function computeAuditHash(input: AuditHashInput): string {
  if (Number.isNaN(input.at.getTime())) throw new TypeError('audit event time is not a valid date');
  const text = canonicalJson({
    prevHash: input.prevHash,
    requestId: input.requestId,
    kind: input.kind,
    actor: input.actor,
    data: input.data,
    at: input.at.toISOString(),
  });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
