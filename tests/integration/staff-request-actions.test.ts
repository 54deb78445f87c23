import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { transitionRequest } from '../../src/requests/request-transition.ts';
import { findRequestByReference } from '../../src/requests/requests-repo.ts';
import { useStaffApi } from '../helpers/staff-api.ts';

const clock = new Date('2026-03-02T10:00:00Z');
const h = useStaffApi(clock);
const mailSubjects = async (id: string) =>
  (await h.rt.database.db.select().from(outbox).where(eq(outbox.requestId, id))).map((m) => m.subject);
const lastEvent = async (id: string) => (await h.eventsOf(id)).at(-1)!;

/** A request in the state where `action` is legal, and a valid body for it (without version). */
async function prepare(action: string): Promise<{ reference: string; id: string; body: object }> {
  const r = await h.fileVerified();
  if (action === 'resume')
    await h.act(r.reference, 'request-info', { version: 2, message: 'Which account?' });
  if (action === 'retry') {
    await h.rt.database.db.transaction(async (tx) => {
      for (const step of ['approve', 'start', 'fail'] as const) {
        const row = (await findRequestByReference(tx, r.reference))!;
        await transitionRequest(tx, {
          request: row,
          action: step,
          actor: 'system',
          actorId: 'system',
          now: clock,
          clock: h.rt.config.clock,
        });
      }
    });
  }
  const bodies: Record<string, object> = {
    deny: { reason: 'other', message: 'We hold no data about you.' },
    extend: { reason: 'Your records sit in three archived systems.' },
    'request-info': { message: 'Which customer number do you use?' },
    assign: { assignee: h.accounts.dpo.id },
    note: { message: 'Subject phoned about this.' },
    cancel: {},
  };
  return { ...r, body: bodies[action] ?? {} };
}

// Approval starts fulfilment in the same transaction: approved → processing, by the system.
const outcomes: Record<string, { status?: string; mail?: RegExp; kind: string; bySystem?: boolean }> = {
  approve: { status: 'processing', kind: 'request.start', bySystem: true },
  deny: { status: 'denied', mail: /was declined/, kind: 'request.deny' },
  extend: { status: 'pending_review', mail: /need more time/, kind: 'request.extend' },
  'request-info': { status: 'awaiting_subject', mail: /need more information/, kind: 'request.request-info' },
  resume: { status: 'pending_review', kind: 'request.resume' },
  retry: { status: 'processing', kind: 'request.retry' },
  cancel: { status: 'cancelled', mail: /is cancelled/, kind: 'request.cancel' },
  assign: { kind: 'request.assign' },
  note: { kind: 'request.note' },
};
const actions = Object.keys(outcomes);
describe('each staff action through the API, per role', () => {
  for (const role of ['admin', 'dpo'] as const) {
    it.each(actions)(`${role} %s → 200, the transition, its email and its audit event`, async (action) => {
      const { reference, id, body } = await prepare(action);
      const version = await h.versionOf(reference);
      const mailsBefore = (await mailSubjects(id)).length;
      const res = await h.act(reference, action, { version, ...body }, role).expect(200);
      const expected = outcomes[action]!;
      expect(res.body).toMatchObject({ reference, version: version + (expected.bySystem ? 2 : 1) });
      if (expected.status) expect(res.body.status).toBe(expected.status);
      const mails = await mailSubjects(id);
      if (expected.mail) expect(mails.slice(mailsBefore).some((s) => expected.mail!.test(s))).toBe(true);
      else expect(mails.length).toBe(mailsBefore);
      const event = await lastEvent(id);
      expect(event).toMatchObject({
        kind: expected.kind,
        actor: expected.bySystem ? 'system' : h.accounts[role].id,
      });
      if (expected.bySystem)
        expect((await h.eventsOf(id)).at(-2)).toMatchObject({ actor: h.accounts[role].id });
      if (action === 'assign') expect(res.body.assignee).toBe(h.accounts.dpo.id);
    });
  }

  it.each(actions)('support %s → 403 and nothing changes (note → 200)', async (action) => {
    const { reference, body } = await prepare(action);
    const version = await h.versionOf(reference);
    const res = await h.act(reference, action, { version, ...body }, 'support');
    if (action === 'note') {
      expect(res.status).toBe(200);
      return;
    }
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(await h.versionOf(reference)).toBe(version);
  });
});
