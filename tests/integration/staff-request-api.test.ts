import { eq } from 'drizzle-orm';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestNotes } from '../../src/db/schema.ts';
import { findByReference } from '../helpers/intake.ts';
import { useStaffApi } from '../helpers/staff-api.ts';

const clock = new Date('2026-03-02T10:00:00Z');
const h = useStaffApi(clock);

describe('staff API: conflicts, errors, notes and the request detail', () => {
  it('stale version → 409 STALE_VERSION, nothing changes', async () => {
    const { reference } = await h.fileVerified();
    await h.act(reference, 'note', { version: 2, message: 'first' }).expect(200);
    const res = await h.act(reference, 'approve', { version: 2 }).expect(409);
    expect(res.body.code).toBe('STALE_VERSION');
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('pending_review');
  });

  it('two DPOs approve at once with the same version → exactly one 200, the other 409', async () => {
    const { reference, id } = await h.fileVerified();
    const results = await Promise.all([
      h.act(reference, 'approve', { version: 2 }, 'dpo'),
      h.act(reference, 'approve', { version: 2 }, 'admin'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const approvals = (await h.eventsOf(id)).filter((e) => e.kind === 'request.approve');
    expect(approvals).toHaveLength(1);
  });

  it.each([
    ['approve', 'awaiting_subject'],
    ['resume', 'pending_review'],
    ['retry', 'pending_review'],
    ['request-info', 'processing'],
  ])('%s from %s → 409 ILLEGAL_TRANSITION', async (action, from) => {
    const { reference } = await h.fileVerified();
    if (from === 'awaiting_subject')
      await h.act(reference, 'request-info', { version: 2, message: 'Which one?' }).expect(200);
    if (from === 'processing') await h.act(reference, 'approve', { version: 2 }).expect(200);
    const body = { version: await h.versionOf(reference), message: 'Which account?' };
    const res = await h.act(reference, action, body).expect(409);
    expect(res.body.code).toBe('ILLEGAL_TRANSITION');
  });

  it('unknown reference → 404; unknown action → 404', async () => {
    expect((await h.act('RD-2222-2222', 'approve', { version: 1 })).status).toBe(404);
    const { reference } = await h.fileVerified();
    expect((await h.act(reference, 'delete', { version: 2 })).status).toBe(404);
    await request(h.rt.app)
      .get('/api/v1/staff/requests/RD-2222-2222')
      .set('Authorization', h.bearers.dpo)
      .expect(404);
  });

  it.each([
    ['deny', 'reason', { reason: 'because', message: 'x' }],
    ['deny', 'message', { reason: 'other' }],
    ['extend', 'reason', { reason: 'short' }],
    ['request-info', 'message', {}],
    ['assign', 'assignee', { assignee: 'nobody' }],
    ['approve', 'version', {}],
  ] as const)('%s with a bad %s → 400 naming that field', async (action, field, body) => {
    const { reference } = await h.fileVerified();
    const withVersion = field === 'version' ? body : { version: 2, ...body };
    const res = await h.act(reference, action, withVersion).expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it('assign to a support account → 400 on assignee; null unassigns', async () => {
    const { reference } = await h.fileVerified();
    const res = await h.act(reference, 'assign', { version: 2, assignee: h.accounts.support.id }).expect(400);
    expect(res.body.errors[0].path).toBe('assignee');
    await h.act(reference, 'assign', { version: 2, assignee: h.accounts.admin.id }).expect(200);
    const cleared = await h.act(reference, 'assign', { version: 3, assignee: null }).expect(200);
    expect(cleared.body.assignee).toBeNull();
  });

  it('a note → stored in request_notes, the audit event holds only its id, never the text', async () => {
    const { reference, id } = await h.fileVerified();
    const text = 'Caller said her maiden name is Kowalska, DOB 1984-02-11';
    await h.act(reference, 'note', { version: 2, message: text }, 'support').expect(200);
    const [note] = await h.rt.database.db.select().from(requestNotes).where(eq(requestNotes.requestId, id));
    expect(note).toMatchObject({ body: text, authorId: h.accounts.support.id });
    const events = await h.eventsOf(id);
    expect(JSON.stringify(events)).not.toContain('Kowalska');
    expect(events.at(-1)?.data).toMatchObject({ noteId: note!.id });
  });

  it('GET the request → item, subject data, clock with explain lines, events, notes and emails without bodies', async () => {
    const { reference, email } = await h.fileVerified({
      type: 'rectify',
      law: 'gdpr',
      name: 'Ana Nowak',
      corrections: [{ field: 'city', value: 'Łódź' }],
    });
    await h.act(reference, 'note', { version: 2, message: 'Check the CRM.' }).expect(200);
    const res = await request(h.rt.app)
      .get(`/api/v1/staff/requests/${reference}`)
      .set('Authorization', h.bearers.dpo)
      .expect(200);
    expect(res.body).toMatchObject({
      reference,
      type: 'rectify',
      law: 'gdpr',
      status: 'pending_review',
      version: 3,
    });
    expect(res.body.subject).toMatchObject({
      email,
      name: 'Ana Nowak',
      corrections: [{ field: 'city', value: 'Łódź' }],
    });
    expect(res.body.clock).toMatchObject({ dueBy: '2026-04-02', extendedDueBy: '2026-06-02' });
    expect(res.body.clock.explain[0]).toBe('received 2026-03-02 (Europe/Warsaw)');
    expect(res.body.events.map((e: { kind: string }) => e.kind)).toEqual([
      'request.received',
      'request.verify',
      'request.note',
      // This very read of the subject's data is on the record, naming the reader and nothing else.
      'request.viewed',
    ]);
    expect(res.body.events.at(-1)).toMatchObject({ kind: 'request.viewed', data: { via: 'api' } });
    expect(JSON.stringify(res.body.events.at(-1))).not.toContain(email);
    expect(res.body.notes[0]).toMatchObject({ body: 'Check the CRM.', author: h.accounts.dpo.id });
    expect(res.body.emails.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(res.body.emails[0]).sort()).toEqual(['createdAt', 'sentAt', 'status', 'subject']);
    await request(h.rt.app)
      .get(`/api/v1/staff/requests/${reference}`)
      .set('Authorization', h.bearers.support)
      .expect(403);
  });
});
