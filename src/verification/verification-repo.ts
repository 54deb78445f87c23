import { and, count, eq, gte, isNull } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type VerificationTokenRow, verificationTokens } from '../db/schema.ts';

export async function insertVerificationToken(
  ex: Executor,
  row: { requestId: string; jtiHash: string; expiresAt: Date; createdAt: Date },
): Promise<void> {
  await ex.insert(verificationTokens).values(row);
}

export async function findTokenByJtiHash(
  ex: Executor,
  jtiHash: string,
): Promise<VerificationTokenRow | undefined> {
  const [row] = await ex.select().from(verificationTokens).where(eq(verificationTokens.jtiHash, jtiHash));
  return row;
}

/** Marks the token used only if nobody else did first: two clicks at once verify once. */
export async function claimToken(ex: Executor, id: string, at: Date): Promise<boolean> {
  const rows = await ex
    .update(verificationTokens)
    .set({ usedAt: at })
    .where(
      and(
        eq(verificationTokens.id, id),
        isNull(verificationTokens.usedAt),
        isNull(verificationTokens.voidedAt),
      ),
    )
    .returning({ id: verificationTokens.id });
  return rows.length === 1;
}

export async function voidOpenTokens(ex: Executor, requestId: string, at: Date): Promise<void> {
  await ex
    .update(verificationTokens)
    .set({ voidedAt: at })
    .where(
      and(
        eq(verificationTokens.requestId, requestId),
        isNull(verificationTokens.usedAt),
        isNull(verificationTokens.voidedAt),
      ),
    );
}

export async function countTokensSince(ex: Executor, requestId: string, since: Date): Promise<number> {
  const [row] = await ex
    .select({ n: count() })
    .from(verificationTokens)
    .where(and(eq(verificationTokens.requestId, requestId), gte(verificationTokens.createdAt, since)));
  return Number(row?.n ?? 0);
}
