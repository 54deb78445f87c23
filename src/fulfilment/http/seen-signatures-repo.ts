import { eq, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { seenSignatures } from '../../db/schema.ts';

/**
 * Remembers a callback signature until it could no longer pass the timestamp check anyway.
 * False when it was already there: the callback is a replay. One statement, so two copies of the
 * same callback arriving at once on two web processes cannot both get through.
 */
export async function recordSignature(
  db: Executor,
  signatureHash: string,
  expiresAt: Date,
): Promise<boolean> {
  const inserted = await db
    .insert(seenSignatures)
    .values({ signatureHash, expiresAt })
    .onConflictDoNothing({ target: seenSignatures.signatureHash })
    .returning({ signatureHash: seenSignatures.signatureHash });
  return inserted.length === 1;
}

/** Lets a signature through again: its callback failed on our side, and the source will resend it. */
export async function forgetSignature(db: Executor, signatureHash: string): Promise<void> {
  await db.delete(seenSignatures).where(eq(seenSignatures.signatureHash, signatureHash));
}

/**
 * Deletes signatures past their expiry; returns how many went. Strictly before `now`: up to the
 * expiry instant itself a signature can still be fresh, so its row must still be there.
 */
export async function purgeSeenSignatures(db: Executor, now: Date): Promise<number> {
  const deleted = await db
    .delete(seenSignatures)
    .where(lt(seenSignatures.expiresAt, now))
    .returning({ signatureHash: seenSignatures.signatureHash });
  return deleted.length;
}
