import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type RequestNoteRow, requestNotes } from '../db/schema.ts';

export async function insertNote(
  ex: Executor,
  note: { requestId: string; authorId: string; body: string; createdAt: Date },
): Promise<RequestNoteRow> {
  const [row] = await ex.insert(requestNotes).values(note).returning();
  return row!;
}

/** A request's notes, oldest first (they read as a conversation among staff). */
export async function listNotes(ex: Executor, requestId: string): Promise<RequestNoteRow[]> {
  return ex
    .select()
    .from(requestNotes)
    .where(eq(requestNotes.requestId, requestId))
    .orderBy(asc(requestNotes.createdAt), asc(requestNotes.id));
}
