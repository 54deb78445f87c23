import { describe, expect, it } from 'vitest';
import {
  can,
  type Permission,
  permissions,
  type StaffRole,
  staffRoles,
} from '../../../src/staff/permissions.ts';

// Written out by hand from DESIGN.md "People": a change to the table must change this matrix too.
const expected: Record<Permission, Record<StaffRole, boolean>> = {
  'queue.view': { admin: true, dpo: true, support: true },
  'request.view': { admin: true, dpo: true, support: false },
  'request.lookup': { admin: true, dpo: true, support: true },
  'request.assign': { admin: true, dpo: true, support: false },
  'request.approve': { admin: true, dpo: true, support: false },
  'request.deny': { admin: true, dpo: true, support: false },
  'request.extend': { admin: true, dpo: true, support: false },
  'request.request-info': { admin: true, dpo: true, support: false },
  'request.resume': { admin: true, dpo: true, support: false },
  'request.retry': { admin: true, dpo: true, support: false },
  'request.cancel': { admin: true, dpo: true, support: false },
  'request.note': { admin: true, dpo: true, support: true },
  'export.view': { admin: true, dpo: true, support: false },
  'staff.manage': { admin: true, dpo: false, support: false },
  'settings.manage': { admin: true, dpo: false, support: false },
  'marketing.check': { admin: true, dpo: true, support: false },
  'reports.view': { admin: true, dpo: true, support: false },
};

describe('staff permissions table', () => {
  it('roles → exactly admin, dpo and support', () => {
    expect([...staffRoles]).toEqual(['admin', 'dpo', 'support']);
  });

  it('the table → lists exactly the permissions of the written-out matrix', () => {
    expect(Object.keys(permissions).sort()).toEqual(Object.keys(expected).sort());
  });

  const cells = (Object.keys(expected) as Permission[]).flatMap((permission) =>
    staffRoles.map((role) => ({ permission, role, allowed: expected[permission][role] })),
  );
  it.each(cells)('$role × $permission → allowed is $allowed', ({ permission, role, allowed }) => {
    expect(can(role, permission)).toBe(allowed);
  });

  it('support × request.view / export.view → never allowed (no subject data, no exports)', () => {
    expect(can('support', 'request.view')).toBe(false);
    expect(can('support', 'export.view')).toBe(false);
    expect(permissions['request.view']).not.toContain('support');
    expect(permissions['export.view']).not.toContain('support');
  });

  it('an unknown role → allowed nothing', () => {
    for (const permission of Object.keys(permissions) as Permission[])
      expect(can('guest' as StaffRole, permission)).toBe(false);
  });
});
