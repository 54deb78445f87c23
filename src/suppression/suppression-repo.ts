import { and, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type SuppressionRow, suppressions } from '../db/schema.ts';

export type SuppressionScope = SuppressionRow['scope'];
export type SuppressionOrigin = SuppressionRow['origin'];
export type NewSuppression = {
  emailHmac: string;
  scope: SuppressionScope;
  origin: SuppressionOrigin;
  requestId: string | null;
  createdAt: Date;
};

/** Idempotent: an address already on the list for that scope keeps its first row. True when added. */
export async function insertSuppression(ex: Executor, row: NewSuppression): Promise<boolean> {
  const added = await ex
    .insert(suppressions)
    .values(row)
    .onConflictDoNothing({ target: [suppressions.emailHmac, suppressions.scope] })
    .returning({ emailHmac: suppressions.emailHmac });
  return added.length === 1;
}

/** Which of these HMACs are on the list for `scope` (one query, however many). */
export async function findSuppressedHmacs(
  ex: Executor,
  emailHmacs: readonly string[],
  scope: SuppressionScope,
): Promise<string[]> {
  if (emailHmacs.length === 0) return [];
  const rows = await ex
    .select({ emailHmac: suppressions.emailHmac })
    .from(suppressions)
    .where(and(eq(suppressions.scope, scope), inArray(suppressions.emailHmac, [...emailHmacs])));
  return rows.map((r) => r.emailHmac);
}
