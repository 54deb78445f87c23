import type { RequestRow } from '../db/schema.ts';

/** The queue item of the staff API contract (DESIGN.md): no subject data, safe for every staff role. */
export type StaffItem = {
  reference: string;
  type: RequestRow['type'];
  law: string;
  status: RequestRow['status'];
  receivedAt: string;
  acknowledgeBy: string | null;
  dueBy: string | null;
  safeDueBy: string | null;
  extendedDueBy: string | null;
  assignee: string | null;
  version: number;
};

export function toStaffItem(row: RequestRow): StaffItem {
  return {
    reference: row.reference,
    type: row.type,
    law: row.law,
    status: row.status,
    receivedAt: row.receivedAt.toISOString(),
    acknowledgeBy: row.acknowledgeBy,
    dueBy: row.dueBy,
    safeDueBy: row.safeDueBy,
    extendedDueBy: row.extendedDueBy,
    assignee: row.assignee,
    version: row.version,
  };
}

/** Support sees addresses only as j***@e***.org: enough to match a caller, not to harvest. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${local.slice(0, 1)}***@${host.slice(0, 1)}***${tld}`;
}
