import { asc } from 'drizzle-orm';
import { expect } from 'vitest';
import { appendAuditEvent, sealAuditChain } from '../../src/audit/audit-service.ts';
import type { Database } from '../../src/db/client.ts';
import { type AuditEventRow, auditEvents } from '../../src/db/schema.ts';

/** n events through the real append path, in one transaction (fast on both backends), then sealed. */
export async function appendSealedEvents(database: Database, n: number): Promise<AuditEventRow[]> {
  const rows = await database.db.transaction(async (tx) => {
    const appended: AuditEventRow[] = [];
    for (let i = 0; i < n; i++) {
      const at = new Date(Date.UTC(2026, 0, 1) + i * 1000);
      appended.push(await appendAuditEvent(tx, { kind: 'test.event', actor: 'system', data: { i }, at }));
    }
    return appended;
  });
  expect(await sealAuditChain(database.db)).toEqual({ sealed: n });
  const sealed = await database.db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
  expect(sealed.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  return sealed;
}
