import { isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { sendDeadlineDigest } from '../../src/requests/deadline-digest.ts';
import type { RequestDeps } from '../../src/requests/request-deps.ts';
import { findRequestByReference, updateRequestClock } from '../../src/requests/requests-repo.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { addStaff } from '../../src/staff/staff-service.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// Wednesday 2026-03-04, 09:00 in Warsaw.
let clock = new Date('2026-03-04T08:00:00Z');
let rt: TestRuntime;
let deps: RequestDeps;

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false, now: () => clock });
  deps = { ...rt.requests, now: () => clock };
});
afterAll(async () => {
  await rt.dispose();
});

async function requestDue(safeDueBy: string, assignee: string | null = null) {
  const { reference } = await submitRequest(
    deps,
    { type: 'access', law: 'gdpr', email: `due-${safeDueBy}-${Math.random()}@example.org` },
    { channel: 'api', locale: 'en' },
  );
  const row = (await findRequestByReference(deps.db, reference))!;
  await updateRequestClock(deps.db, row.id, { safeDueBy, assignee });
  return reference;
}

const staffDeps = () => ({ ...deps, secretKey: rt.config.secretKey });
const staffMail = async () => await deps.db.select().from(outbox).where(isNull(outbox.requestId));

describe('deadline digest', () => {
  it('overdue and due-soon requests → one email per assignee, unassigned ones to every DPO; far ones, support and subjects untouched', async () => {
    const pw = 'a-long-enough-password';
    const [dpo1, dpo2, support, assignee] = await Promise.all([
      addStaff(staffDeps(), { email: 'dpo1@org.test', role: 'dpo', password: pw, actor: 'test' }),
      addStaff(staffDeps(), { email: 'dpo2@org.test', role: 'dpo', password: pw, actor: 'test' }),
      addStaff(staffDeps(), { email: 'help@org.test', role: 'support', password: pw, actor: 'test' }),
      addStaff(staffDeps(), { email: 'owner@org.test', role: 'admin', password: pw, actor: 'test' }),
    ]);
    const overdue = await requestDue('2026-03-03');
    // Wed + 3 working days = Mon 2026-03-09: due that day is "soon", the day after is not.
    const soonAssigned = await requestDue('2026-03-09', assignee!.id);
    const far = await requestDue('2026-03-10');

    const result = await sendDeadlineDigest(deps);
    expect(result).toEqual({ recipients: 3, flagged: 2 });
    const mails = await staffMail();
    const to = (email: string) => mails.filter((m) => m.to === email);
    for (const dpo of [dpo1!, dpo2!]) {
      const [mail] = to(dpo.email);
      expect(mail?.subject).toBe('Rightsdesk: 1 overdue, 0 due soon');
      expect(mail?.text).toContain(overdue);
      expect(mail?.text).not.toContain(soonAssigned);
    }
    const [owners] = to(assignee!.email);
    expect(owners?.subject).toBe('Rightsdesk: 0 overdue, 1 due soon');
    expect(owners?.text).toContain(`${rt.config.publicUrl}/staff/requests/${soonAssigned}`);
    expect(to(support!.email)).toHaveLength(0);
    expect(mails.some((m) => m.text.includes(far))).toBe(false);
    // No subject's address in staff mail: references and dates only.
    expect(mails.some((m) => m.text.includes('@example.org'))).toBe(false);
  });

  it('nothing due → no email at all', async () => {
    clock = new Date('2026-01-01T08:00:00Z');
    const before = (await staffMail()).length;
    expect(await sendDeadlineDigest(deps)).toEqual({ recipients: 0, flagged: 0 });
    expect((await staffMail()).length).toBe(before);
  });
});
