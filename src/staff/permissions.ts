// Least privilege, in one table: which staff role may do what. Every staff route checks one of these.
export const staffRoles = ['admin', 'dpo', 'support'] as const;
export type StaffRole = (typeof staffRoles)[number];

export const permissions = {
  /** The queue: references, types, laws, statuses, dates. No subject data. */
  'queue.view': ['admin', 'dpo', 'support'],
  /** A request with the subject's details, corrections, emails sent. */
  'request.view': ['admin', 'dpo'],
  /** The support desk's masked view: status, dates, public timeline. */
  'request.lookup': ['admin', 'dpo', 'support'],
  'request.assign': ['admin', 'dpo'],
  'request.approve': ['admin', 'dpo'],
  'request.deny': ['admin', 'dpo'],
  'request.extend': ['admin', 'dpo'],
  'request.request-info': ['admin', 'dpo'],
  'request.resume': ['admin', 'dpo'],
  'request.retry': ['admin', 'dpo'],
  'request.cancel': ['admin', 'dpo'],
  'request.note': ['admin', 'dpo', 'support'],
  'export.view': ['admin', 'dpo'],
  'staff.manage': ['admin'],
  'settings.manage': ['admin'],
  /** The marketing send check: which addresses are suppressed (POST /api/v1/marketing/recipients). */
  'marketing.check': ['admin', 'dpo'],
  /** §7102 metrics and the DPO dashboard: aggregate counts only, still not for support. */
  'reports.view': ['admin', 'dpo'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof permissions;

export function can(role: StaffRole, permission: Permission): boolean {
  return (permissions[permission] as readonly StaffRole[]).includes(role);
}
