import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/db/client.ts';
import { auditEvents, type NewRequestRow, requests } from '../../src/db/schema.ts';
import { newReference } from '../../src/requests/reference.ts';
import { pageText } from '../helpers/intake.ts';
import { bearerFor, browserSessionFor, type StaffBrowser } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const now = new Date('2026-03-10T12:00:00.000Z'); // today 2026-03-10, due soon up to 2026-03-13
let n = 0;

async function seed(db: Db, rows: (Partial<NewRequestRow> & { safeDueBy: string | null })[]) {
  const values = rows.map((r) => ({
    reference: newReference(),
    type: 'erase' as const,
    law: 'gdpr',
    status: 'pending_review' as const,
    subjectEmail: `page-subject-${++n}@example.org`,
    subjectName: `Page Subject ${n}`,
    receivedAt: new Date('2026-02-20T09:00:00Z'),
    timeZone: 'UTC',
    receivedOn: '2026-02-20',
    dueBy: r.safeDueBy,
    ...r,
  }));
  return db.insert(requests).values(values).returning();
}

// Counts the statements the app starts on its database handle (reads and writes outside transactions).
let statements = 0;
const counting = (database: Database): Database => {
  const counted = new Set(['select', 'insert', 'update', 'delete', 'execute', 'transaction']);
  const db = new Proxy(database.db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (counted.has(String(prop))) statements++;
        return value.apply(target, args);
      };
    },
  });
  return { ...database, db };
};

const html = (res: { text: string }) => res.text;
const rowOf = (page: string, reference: string) =>
  new RegExp(`<tr[^>]*>(?:(?!</tr>)[\\s\\S])*${reference}(?:(?!</tr>)[\\s\\S])*</tr>`).exec(page)?.[0] ?? '';

describe('queue page: GET /staff and POST /staff/queue/bulk', () => {
  let rt: TestRuntime;
  let dpo: StaffBrowser;
  let support: StaffBrowser;

  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false, now: () => now, appDatabase: counting });
    dpo = await browserSessionFor(rt, 'dpo');
    support = await browserSessionFor(rt, 'support');
  });
  afterAll(async () => rt?.dispose());

  const bulk = (who: StaffBrowser, fields: Record<string, string | string[]>) =>
    who.agent
      .post('/staff/queue/bulk')
      .type('form')
      .set('Accept', 'text/html')
      .send(
        new URLSearchParams(
          Object.entries(fields).flatMap(([k, v]) => [v].flat().map((x) => [k, x])),
        ).toString(),
      );

  it('without a session → 303 to the sign-in page, coming back to /staff', async () => {
    const res = await request(rt.app).get('/staff').set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe('/staff/login?next=%2Fstaff');
  });

  it('rows → a captioned table with th scope, reference links, and Overdue / Due soon said in words', async () => {
    const group = randomUUID();
    const [late, soon, later] = await seed(rt.database.db, [
      { safeDueBy: '2026-03-09', assignee: group, law: 'ccpa' },
      { safeDueBy: '2026-03-13', assignee: group },
      { safeDueBy: '2026-03-14', assignee: group, law: 'uk-gdpr' },
    ]);
    const page = html(await dpo.agent.get(`/staff?assignee=${group}`).expect(200));
    expect(page).toMatch(/<caption>[^<]*safe due date[^<]*<\/caption>/);
    expect(page).toContain('<th scope="col">Reference</th>');
    expect(page).toContain(
      `<th scope="row"><a href="/staff/requests/${late!.reference}">${late!.reference}</a></th>`,
    );
    expect(pageText(rowOf(page, late!.reference))).toMatch(
      /Erase CCPA Pending review 20 Feb 2026 9 Mar 2026 Overdue/,
    );
    expect(pageText(rowOf(page, soon!.reference))).toContain('13 Mar 2026 Due soon');
    expect(pageText(rowOf(page, later!.reference))).not.toMatch(/Overdue|Due soon/);
    expect(page.indexOf(late!.reference)).toBeLessThan(page.indexOf(soon!.reference));
    expect(page).toContain(`<abbr title="UK GDPR">UK-GDPR</abbr>`);
    expect(page).not.toContain('page-subject-');
    // Signed-in identity, sign-out form, counts per status.
    expect(pageText(page)).toContain(`Signed in as ${dpo.account.email} (dpo)`);
    expect(page).toContain('action="/staff/logout"');
    expect(pageText(page)).toMatch(/Pending review \d+ .*Overdue \d+ Due soon \d+/);
  });

  it('filters → applied, and kept in the form as chosen', async () => {
    const [row] = await seed(rt.database.db, [{ safeDueBy: '2026-03-01', law: 'gdpr', type: 'access' }]);
    const page = html(
      await dpo.agent
        .get(
          `/staff?status=pending_review&type=access&law=gdpr&assignee=none&overdue=true&q=${row!.reference.toLowerCase()}`,
        )
        .expect(200),
    );
    expect(page).toContain('<option value="pending_review" selected>');
    expect(page).toContain('<option value="access" selected>');
    expect(page).toContain('<option value="gdpr" selected>');
    expect(page).toContain('<option value="none" selected>');
    expect(page).toMatch(/id="f-overdue" name="overdue" value="true" checked/);
    expect(page).toContain(`value="${row!.reference}"`);
    expect(page.match(/<th scope="row">/g)).toHaveLength(1);
  });

  it('more rows than the limit → a "Next page" link with the cursor and the filters; it opens the rest', async () => {
    const group = randomUUID();
    const rows = await seed(
      rt.database.db,
      ['2026-03-20', '2026-03-21', '2026-03-22'].map((safeDueBy) => ({ safeDueBy, assignee: group })),
    );
    const first = html(await dpo.agent.get(`/staff?assignee=${group}&limit=2`).expect(200));
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/
      .exec(first)?.[1]
      ?.replaceAll('&amp;', '&')
      .replaceAll('&#x3D;', '=');
    expect(next).toMatch(new RegExp(`^/staff\\?assignee=${group}&limit=2&cursor=[A-Za-z0-9_-]+$`));
    const second = html(await dpo.agent.get(next!).expect(200));
    expect(second).toContain(rows[2]!.reference);
    expect(second).not.toContain(rows[0]!.reference);
    expect(second).not.toContain('rel="next"');
    expect(second).toContain('First page');
  });

  it('statements per page → the same for 2 rows as for 40 (no N+1), API and page alike', async () => {
    const group = randomUUID();
    await seed(
      rt.database.db,
      Array.from({ length: 45 }, (_, i) => ({ safeDueBy: `2026-04-${10 + (i % 19)}`, assignee: group })),
    );
    const bearer = await bearerFor(rt, dpo.account);
    const measure = async (path: string, auth?: string) => {
      const before = statements;
      const req = auth ? request(rt.app).get(path).set('Authorization', auth) : dpo.agent.get(path);
      await req.expect(200);
      return statements - before;
    };
    const apiSmall = await measure(`/api/v1/staff/requests?assignee=${group}&limit=2`, bearer);
    const apiLarge = await measure(`/api/v1/staff/requests?assignee=${group}&limit=40`, bearer);
    const pageSmall = await measure(`/staff?assignee=${group}&limit=2`);
    const pageLarge = await measure(`/staff?assignee=${group}&limit=40`);
    expect(apiLarge).toBe(apiSmall);
    expect(pageLarge).toBe(pageSmall);
    // Session check (2) + the page of items; the page adds counts and the staff names.
    expect(apiSmall).toBe(3);
    expect(pageSmall).toBe(5);
  });

  it('bulk approve of two, one with a stale version → 1 of 2 approved, the stale one reported, audit appended', async () => {
    const [fresh, stale] = await seed(rt.database.db, [
      { safeDueBy: '2026-03-25' },
      { safeDueBy: '2026-03-26' },
    ]);
    // Someone changed the second one after the page was loaded.
    await rt.database.db.update(requests).set({ version: 2 }).where(eq(requests.id, stale!.id));
    const res = await bulk(dpo, {
      _csrf: dpo.csrf,
      action: 'approve',
      selected: [`${fresh!.reference}@1`, `${stale!.reference}@1`],
    }).expect(200);
    const text = pageText(res.text);
    expect(text).toContain('1 of 2 requests approved');
    expect(text).toMatch(
      new RegExp(`${stale!.reference} : Request ${stale!.reference} was changed by someone else`),
    );
    const rows = await rt.database.db.select().from(requests).where(eq(requests.id, fresh!.id));
    expect(rows[0]).toMatchObject({ status: 'processing', version: 3 });
    const staleRow = await rt.database.db.select().from(requests).where(eq(requests.id, stale!.id));
    expect(staleRow[0]).toMatchObject({ status: 'pending_review', version: 2 });
    const events = await rt.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, 'request.approve')));
    expect(events.filter((e) => e.requestId === fresh!.id)).toMatchObject([
      { actor: dpo.account.id, data: { from: 'pending_review', to: 'approved', version: 2, via: 'bulk' } },
    ]);
    expect(events.some((e) => e.requestId === stale!.id)).toBe(false);
  });

  it('bulk approve of a request that is not pending review → reported as an illegal transition', async () => {
    const [row] = await seed(rt.database.db, [{ safeDueBy: '2026-03-27', status: 'processing' }]);
    const res = await bulk(dpo, {
      _csrf: dpo.csrf,
      action: 'approve',
      selected: `${row!.reference}@1`,
    }).expect(200);
    expect(pageText(res.text).replaceAll('&quot;', '"')).toContain(
      `0 of 1 request approved. These could not be changed: ${row!.reference} : A request that is processing cannot be moved by "approve".`,
    );
  });

  it('bulk assign to me → assignee set to the DPO, request.assign audited, the queue shows "You"', async () => {
    const [row] = await seed(rt.database.db, [{ safeDueBy: '2026-03-28', law: 'fadp' }]);
    const res = await bulk(dpo, {
      _csrf: dpo.csrf,
      action: 'assign-to-me',
      selected: `${row!.reference}@1`,
      filters: 'law=fadp',
    }).expect(200);
    expect(pageText(res.text)).toContain('1 of 1 request assigned to you');
    expect(pageText(rowOf(res.text, row!.reference))).toMatch(/You$/);
    expect(res.text).toContain('<option value="fadp" selected>');
    const [updated] = await rt.database.db.select().from(requests).where(eq(requests.id, row!.id));
    expect(updated).toMatchObject({ assignee: dpo.account.id, version: 2 });
    const events = await rt.database.db.select().from(auditEvents).where(eq(auditEvents.requestId, row!.id));
    expect(events.map((e) => [e.kind, e.actor])).toEqual([['request.assign', dpo.account.id]]);
  });

  it('bulk without a CSRF token, or with a token of another session → 403, nothing changed', async () => {
    const [row] = await seed(rt.database.db, [{ safeDueBy: '2026-03-29' }]);
    await bulk(dpo, { action: 'approve', selected: `${row!.reference}@1` }).expect(403);
    await bulk(dpo, { _csrf: support.csrf, action: 'approve', selected: `${row!.reference}@1` }).expect(403);
    const [after] = await rt.database.db.select().from(requests).where(eq(requests.id, row!.id));
    expect(after).toMatchObject({ status: 'pending_review', version: 1 });
  });

  it('support → the same rows without checkboxes, links to the support desk, no email echoed; bulk POST → 403', async () => {
    const [row] = await seed(rt.database.db, [{ safeDueBy: '2026-03-30', law: 'ocpa' }]);
    const page = html(await support.agent.get('/staff?law=ocpa').expect(200));
    expect(page).toContain(row!.reference);
    expect(page).not.toContain('type="checkbox" name="selected"');
    expect(page).not.toContain('/staff/queue/bulk');
    // Support's masked view of a request is the support desk, not the DPO's request page.
    expect(page).toContain(`<a href="/staff/support?q&#x3D;${row!.reference}">${row!.reference}</a>`);
    const byEmail = html(
      await support.agent.get(`/staff?q=${encodeURIComponent(row!.subjectEmail)}`).expect(200),
    );
    expect(byEmail).toContain(row!.reference);
    expect(byEmail).not.toContain(row!.subjectEmail);
    const res = await bulk(support, {
      _csrf: support.csrf,
      action: 'approve',
      selected: `${row!.reference}@1`,
    });
    expect(res.status).toBe(403);
    await bulk(support, {
      _csrf: support.csrf,
      action: 'assign-to-me',
      selected: `${row!.reference}@1`,
    }).expect(403);
    const [after] = await rt.database.db.select().from(requests).where(eq(requests.id, row!.id));
    expect(after).toMatchObject({ status: 'pending_review', version: 1, assignee: null });
  });

  it('bulk with nothing selected → 400 and the queue saying what to do', async () => {
    const res = await bulk(dpo, { _csrf: dpo.csrf, action: 'approve' }).expect(400);
    expect(pageText(res.text)).toContain('Select at least one request.');
  });

  it('a bad filter on the page → 400 page naming the parameter', async () => {
    const res = await dpo.agent.get('/staff?limit=500').set('Accept', 'text/html').expect(400);
    expect(pageText(res.text)).toContain('limit: must be at most 100');
  });
});
