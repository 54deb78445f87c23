import { appendAuditEvent, listRequestEvents } from '../audit/audit-service.ts';
import type { RequestRow } from '../db/schema.ts';
import { normaliseReference } from './reference.ts';
import type { RequestDeps } from './request-deps.ts';
import { findRequestByReference } from './requests-repo.ts';
import { maskEmail } from './staff-item.ts';
import { findRequestsByEmail } from './staff-request-repo.ts';
import { publicTimeline } from './status-service.ts';

/**
 * What support may tell a caller: status, dates and the public timeline. Built field by field from
 * an allow-list, so subject data (name, details, corrections, the full email) cannot leak in.
 */
export type SupportItem = {
  reference: string;
  type: RequestRow['type'];
  law: string;
  status: RequestRow['status'];
  statusText: string;
  receivedAt: string;
  receivedOn: string;
  dueBy: string | null;
  timeZone: string;
  email: string;
  version: number;
  timeline: { kind: string; label: string; at: string }[];
};

// One email can have filed many requests; a page of them is plenty for a phone call.
const maxMatches = 20;

export async function supportLookup(
  deps: RequestDeps,
  query: string,
  viewerId: string,
): Promise<SupportItem[]> {
  const q = query.trim();
  if (!q) return [];
  // An exact address, or a reference however it was read out (spaces, lower case, no dashes).
  const reference = q.includes('@') ? undefined : normaliseReference(q);
  const rows = q.includes('@')
    ? await findRequestsByEmail(deps.db, q, maxMatches)
    : reference
      ? [await findRequestByReference(deps.db, reference)].filter((r) => r !== undefined)
      : [];
  const now = deps.now();
  for (const row of rows) {
    const by = q.includes('@') ? 'email' : 'reference';
    await appendAuditEvent(deps.db, {
      requestId: row.id,
      kind: 'request.looked_up',
      actor: viewerId,
      data: { by },
      at: now,
    });
  }
  return Promise.all(rows.map((row) => toSupportItem(deps, row)));
}

async function toSupportItem(deps: RequestDeps, row: RequestRow): Promise<SupportItem> {
  const t = (key: string) => deps.i18n.t('en', key);
  const events = await listRequestEvents(deps.db, row.id);
  return {
    reference: row.reference,
    type: row.type,
    law: row.law,
    status: row.status,
    statusText: t(`status.${row.status}`),
    receivedAt: row.receivedAt.toISOString(),
    receivedOn: row.receivedOn,
    // The date the subject was promised: the extended one once extended.
    dueBy: row.closedAt ? null : row.extendedAt ? row.extendedDueBy : row.dueBy,
    timeZone: row.timeZone,
    email: maskEmail(row.subjectEmail),
    version: row.version,
    timeline: publicTimeline(events).map((e) => ({
      kind: e.key.replace(/^timeline\./, ''),
      label: t(e.key),
      at: e.at.toISOString(),
    })),
  };
}
